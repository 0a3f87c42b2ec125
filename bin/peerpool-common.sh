# Shared by bin/peerpool and bin/peerpool-demo; sourced, not run.
# Finds the install, Java and the build (building it if needed), and composes the
# JVM options from $PEERPOOL_CONF/peerpool-env.sh.

die() {
    echo "peerpool: $*" >&2
    exit 1
}

# The directory above bin/, whatever the current directory and however we were called.
peerpool_home() {
    cd "$(dirname "$0")/.." && pwd -P
}

# Sets JAVA to a Java 17+ launcher: $JAVA_HOME/bin/java, else java on PATH.
find_java() {
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
        JAVA="$JAVA_HOME/bin/java"
    elif command -v java >/dev/null 2>&1; then
        JAVA=$(command -v java)
    else
        die "no Java found: install a JDK 17 or newer, or set JAVA_HOME"
    fi
    version=$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
    major=$(echo "$version" | sed 's/^1\.//; s/[^0-9].*//')
    if [ -z "$major" ] || [ "$major" -lt 17 ]; then
        die "Java ${version:-of unknown version} at $JAVA is too old: peerpool needs 17 or newer (set JAVA_HOME)"
    fi
}

# Sets CLASSPATH_ARG for a distribution (lib/) or a source tree (target/), building
# the source tree first when it has no build yet.
find_build() {
    if [ -f "$PEERPOOL_HOME/lib/peerpool.jar" ]; then
        CLASSPATH_ARG="$PEERPOOL_HOME/lib/*"
        return
    fi
    if [ ! -f "$PEERPOOL_HOME/target/peerpool.jar" ] || [ ! -d "$PEERPOOL_HOME/target/lib" ]; then
        [ -f "$PEERPOOL_HOME/pom.xml" ] || die "no build found in $PEERPOOL_HOME (expected lib/peerpool.jar)"
        command -v mvn >/dev/null 2>&1 || die "no build found and no Maven to make one: install Maven, then run 'mvn -DskipTests package' in $PEERPOOL_HOME"
        echo "peerpool: no build found; building it first (mvn -q -DskipTests package), this takes a minute..." >&2
        (cd "$PEERPOOL_HOME" && mvn -q -B -DskipTests package >&2) || die "the build failed; run 'mvn -DskipTests package' in $PEERPOOL_HOME to see why"
    fi
    CLASSPATH_ARG="$PEERPOOL_HOME/target/peerpool.jar:$PEERPOOL_HOME/target/lib/*"
}

is_loopback() {
    case "$1" in
        127.*|localhost|::1|\[::1\]) return 0 ;;
        *) return 1 ;;
    esac
}

# Sets JMX_OPTS from PEERPOOL_JMX_PORT / _HOST / _PASSWORD_FILE / _ACCESS_FILE.
# Local attach (JConsole picking the process) always works; remote JMX listens on
# loopback only unless opened on purpose, and then only with a password file.
jmx_options() {
    JMX_OPTS=""
    [ -n "${PEERPOOL_JMX_PORT:-}" ] || return 0
    host=${PEERPOOL_JMX_HOST:-127.0.0.1}
    JMX_OPTS="-Dcom.sun.management.jmxremote.port=$PEERPOOL_JMX_PORT -Dcom.sun.management.jmxremote.rmi.port=$PEERPOOL_JMX_PORT"
    JMX_OPTS="$JMX_OPTS -Dcom.sun.management.jmxremote.host=$host -Djava.rmi.server.hostname=$host"
    if is_loopback "$host" && [ -z "${PEERPOOL_JMX_PASSWORD_FILE:-}" ]; then
        JMX_OPTS="$JMX_OPTS -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false"
        return 0
    fi
    if [ -z "${PEERPOOL_JMX_PASSWORD_FILE:-}" ] || [ ! -r "${PEERPOOL_JMX_PASSWORD_FILE}" ]; then
        die "refusing to open remote JMX on $host without authentication: set PEERPOOL_JMX_PASSWORD_FILE (and PEERPOOL_JMX_ACCESS_FILE) in $PEERPOOL_CONF/peerpool-env.sh, or keep PEERPOOL_JMX_HOST=127.0.0.1"
    fi
    JMX_OPTS="$JMX_OPTS -Dcom.sun.management.jmxremote.authenticate=true"
    JMX_OPTS="$JMX_OPTS -Dcom.sun.management.jmxremote.password.file=$PEERPOOL_JMX_PASSWORD_FILE"
    if [ -n "${PEERPOOL_JMX_ACCESS_FILE:-}" ]; then
        JMX_OPTS="$JMX_OPTS -Dcom.sun.management.jmxremote.access.file=$PEERPOOL_JMX_ACCESS_FILE"
    fi
    JMX_OPTS="$JMX_OPTS -Dcom.sun.management.jmxremote.ssl=${PEERPOOL_JMX_SSL:-false}"
}
