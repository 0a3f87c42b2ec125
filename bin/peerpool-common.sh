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

# The command line of process $1 (arguments joined by spaces), empty when none runs.
process_cmdline() {
    if [ -d /proc/self ]; then
        [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
    else
        ps -ww -o args= -p "$1" 2>/dev/null || true
    fi
}

# Sets METRICS_OPT to the Prometheus JMX exporter agent on 127.0.0.1:$PEERPOOL_METRICS_PORT
# with $PEERPOOL_CONF/metrics.yaml, or empty when PEERPOOL_METRICS_PORT is unset.
metrics_option() {
    METRICS_OPT=""
    [ -n "${PEERPOOL_METRICS_PORT:-}" ] || return 0
    case "$PEERPOOL_METRICS_PORT" in
        *[!0-9]*) die "PEERPOOL_METRICS_PORT must be a port number (1-65535), not '$PEERPOOL_METRICS_PORT'" ;;
    esac
    if [ "$PEERPOOL_METRICS_PORT" -lt 1 ] || [ "$PEERPOOL_METRICS_PORT" -gt 65535 ]; then
        die "PEERPOOL_METRICS_PORT must be a port number (1-65535), not '$PEERPOOL_METRICS_PORT'"
    fi
    agent=""
    for jar in "$PEERPOOL_HOME/lib/$METRICS_AGENT_JAR" "$PEERPOOL_HOME/target/agent/$METRICS_AGENT_JAR"; do
        if [ -f "$jar" ]; then
            agent=$jar
            break
        fi
    done
    [ -n "$agent" ] || die "PEERPOOL_METRICS_PORT is set but $METRICS_AGENT_JAR is not in $PEERPOOL_HOME/lib or target/agent (run 'mvn -DskipTests package')"
    [ -r "$PEERPOOL_CONF/metrics.yaml" ] || die "PEERPOOL_METRICS_PORT is set but $PEERPOOL_CONF/metrics.yaml is missing (copy it from etc/)"
    METRICS_OPT="-javaagent:$agent=127.0.0.1:$PEERPOOL_METRICS_PORT:$PEERPOOL_CONF/metrics.yaml"
}

METRICS_AGENT_JAR=jmx_prometheus_javaagent-1.0.1.jar

is_loopback() {
    case "$1" in
        127.*|localhost|::1|\[::1\]) return 0 ;;
        *) return 1 ;;
    esac
}

# Sets JMX_OPTS (and JMX_PASSWORD_OPT, JMX_ACCESS_OPT) from PEERPOOL_JMX_PORT / _HOST /
# _PASSWORD_FILE / _ACCESS_FILE. Local attach (JConsole picking the process, same user)
# always works and needs no port. A JMX port asks for a password, on loopback too: any
# local user could otherwise reach the DiagnosticCommand bean and load code into the node.
jmx_options() {
    JMX_OPTS=""
    JMX_PASSWORD_OPT=""
    JMX_ACCESS_OPT=""
    [ -n "${PEERPOOL_JMX_PORT:-}" ] || return 0
    host=${PEERPOOL_JMX_HOST:-127.0.0.1}
    JMX_OPTS="-Dcom.sun.management.jmxremote.port=$PEERPOOL_JMX_PORT -Dcom.sun.management.jmxremote.rmi.port=$PEERPOOL_JMX_PORT"
    JMX_OPTS="$JMX_OPTS -Dcom.sun.management.jmxremote.host=$host -Djava.rmi.server.hostname=$host"
    if [ -z "${PEERPOOL_JMX_PASSWORD_FILE:-}" ] || [ ! -r "${PEERPOOL_JMX_PASSWORD_FILE}" ]; then
        die "refusing to open remote JMX on $host without authentication: set PEERPOOL_JMX_PASSWORD_FILE (and PEERPOOL_JMX_ACCESS_FILE) in $PEERPOOL_CONF/peerpool-env.sh, or leave PEERPOOL_JMX_PORT empty (local attach needs no port)"
    fi
    case "$(ls -ln "$PEERPOOL_JMX_PASSWORD_FILE" 2>/dev/null | cut -c5-10)" in
        ------) ;;
        *) die "$PEERPOOL_JMX_PASSWORD_FILE can be read by others: chmod 600 it (the JVM refuses a password file that is not private)" ;;
    esac
    JMX_OPTS="$JMX_OPTS -Dcom.sun.management.jmxremote.authenticate=true"
    # The files' options are single words of their own: their paths may hold spaces.
    JMX_PASSWORD_OPT="-Dcom.sun.management.jmxremote.password.file=$PEERPOOL_JMX_PASSWORD_FILE"
    if [ -n "${PEERPOOL_JMX_ACCESS_FILE:-}" ]; then
        JMX_ACCESS_OPT="-Dcom.sun.management.jmxremote.access.file=$PEERPOOL_JMX_ACCESS_FILE"
    fi
    JMX_OPTS="$JMX_OPTS -Dcom.sun.management.jmxremote.ssl=${PEERPOOL_JMX_SSL:-false}"
    # Over loopback nothing crosses a wire; anywhere else a password without TLS is readable on the way.
    if ! is_loopback "$host" && [ "${PEERPOOL_JMX_SSL:-false}" != true ]; then
        echo "peerpool: warning: JMX on $host asks for passwords but PEERPOOL_JMX_SSL is not 'true', so they cross the network in clear; set PEERPOOL_JMX_SSL=true (with a keystore) or tunnel JMX over ssh" >&2
    fi
}

# Sets CDS_ARCHIVE_OPT, CDS_QUIET_OPT and CDS_LOG_OPT: a class-data-sharing archive of this build's
# classes, which roughly halves the CPU a node spends starting (README, Start-up). The
# first node to start without one records it when it exits (-XX:ArchiveClassesAtExit:
# JDK 17 cannot make one at start); the next start moves the finished recording into
# place and every later start maps it. The archive is named after the JVM and the jars,
# so a new build or JDK makes a new one. An archive the JVM cannot use is ignored by
# -Xshare:auto with its warning kept out of the console (in $PEERPOOL_RUN/cds.log), and
# such an archive is removed at the next start so it is made again. PEERPOOL_CDS=off,
# or a directory that is not writable, leaves the options empty.
#
# A node with the metrics agent (METRICS_OPT) cannot record an archive: the JVM refuses
# to dump one with a -javaagent loaded. It records only the list of classes it loaded
# (-XX:DumpLoadedClassList, allowed with agents), and the next start builds the archive
# from that list in a JVM of its own, without the agent (cds_dump). Not
# -XX:+AllowArchivingWithJavaAgent: a diagnostic option, which prints a VM warning, and
# its archive maps only in JVMs that pass it too.
cds_options() {
    CDS_ARCHIVE_OPT=""
    CDS_QUIET_OPT=""
    CDS_LOG_OPT=""
    [ "${PEERPOOL_CDS:-on}" = on ] || return 0
    dir=${PEERPOOL_CDS_DIR:-$PEERPOOL_HOME/run/cds}
    mkdir -p "$dir" "$PEERPOOL_RUN" 2>/dev/null && [ -w "$dir" ] || return 0
    if [ -f "$PEERPOOL_HOME/lib/peerpool.jar" ]; then
        jars=$(ls -lL "$PEERPOOL_HOME/lib" 2>/dev/null) || return 0
    else
        jars=$(ls -lL "$PEERPOOL_HOME/target/peerpool.jar" "$PEERPOOL_HOME/target/lib" 2>/dev/null) || return 0
    fi
    key=$(printf '%s\n%s\n%s\n' "$JAVA" "$version" "$jars" | cksum | cut -d ' ' -f 1)
    archive="$dir/peerpool-$key.jsa"
    classlist="$dir/peerpool-$key.classlist"
    lock="$dir/peerpool-$key.recording"
    cds_log="$PEERPOOL_RUN/cds.log"
    if [ -f "$archive" ] && [ -f "$cds_log" ] && grep -q 'Unable to use\|mismatch' "$cds_log"; then
        # The last start could not map it (its JVM printed why): make it again.
        rm -f "$archive" "$cds_log"
    fi
    recorder=$(cat "$lock/pid" 2>/dev/null || true)
    if [ -n "$recorder" ] && ! kill -0 "$recorder" 2>/dev/null; then
        # The recording JVM has exited, so its archive is complete (or missing if it was killed);
        # a class list cut short by a kill still serves, for the classes it names.
        # Nodes starting together (the demo) all get here: the first moves it, the others find it gone.
        mv -f "$archive.tmp" "$archive" 2>/dev/null || true
        mv -f "$classlist.tmp" "$classlist" 2>/dev/null || true
        # A dump cut short leaves a partial file that must never be mapped.
        rm -f "$archive.dump"
        rm -rf "$lock"
    fi
    for old in "$dir"/peerpool-*.jsa "$dir"/peerpool-*.classlist; do
        case "$old" in
            "$archive"|"$classlist") ;;
            *) rm -f "$old" ;;
        esac
    done
    if [ ! -f "$archive" ] && [ -f "$classlist" ] && mkdir "$lock" 2>/dev/null; then
        echo $$ >"$lock/pid"
        cds_dump
        rm -rf "$lock"
    fi
    CDS_QUIET_OPT="-Xlog:cds*=off"
    CDS_LOG_OPT="-Xlog:cds*=warning:file=$cds_log::filecount=0"
    if [ -f "$archive" ]; then
        CDS_ARCHIVE_OPT="-XX:SharedArchiveFile=$archive"
    elif mkdir "$lock" 2>/dev/null; then
        # One recorder at a time (a demo starts many nodes at once); its pid is written once known.
        if [ -n "${METRICS_OPT:-}" ]; then
            CDS_ARCHIVE_OPT="-XX:DumpLoadedClassList=$classlist.tmp"
        else
            CDS_ARCHIVE_OPT="-XX:ArchiveClassesAtExit=$archive.tmp"
        fi
        CDS_RECORDING=$lock
    fi
}

# Builds $archive from the class list a node with the metrics agent recorded (a few
# seconds, once per build), in a JVM without the agent and on the node's class path, so
# the archive maps in nodes with or without metrics. Its output, warnings about the
# agent's classes it cannot find included, goes to $PEERPOOL_RUN/cds-dump.log. The list
# is used once either way: after a failed dump the next node records a new one.
cds_dump() {
    if "$JAVA" -Xshare:dump -XX:SharedClassListFile="$classlist" -XX:SharedArchiveFile="$archive.dump" \
        -cp "$CLASSPATH_ARG" >"$PEERPOOL_RUN/cds-dump.log" 2>&1; then
        mv -f "$archive.dump" "$archive"
    else
        rm -f "$archive.dump"
    fi
    rm -f "$classlist"
}

# Notes pid $1 as the JVM recording the archive, if this start records one.
cds_recorder() {
    [ -n "${CDS_RECORDING:-}" ] && echo "$1" >"$CDS_RECORDING/pid"
    return 0
}
