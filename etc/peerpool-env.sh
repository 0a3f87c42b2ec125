# Sourced by bin/peerpool from $PEERPOOL_CONF (this directory) before the JVM starts.
# Plain sh assignments; anything set in the environment beforehand wins.

# JVM options. A node needs little heap (about 10 KiB per connection) and little
# compiled code, so it starts lean (README, "Start-up", has the figures):
#   -Xms16m                     a small heap to start with; it grows to -Xmx when needed
#   -XX:+UseSerialGC            no GC worker threads: pauses on a heap this small are milliseconds
#   -XX:TieredStopAtLevel=1     the quick C1 compiler only: about half the start-up CPU; drop it
#                               for a node that must push hundreds of MB/s of payloads
#   -Xss512k                    thread stacks: peerpool's threads never recurse deeply
#   -Xmx256m                    sized for [security] max_inbound_buffer_bytes (64 MiB by default:
#                               large frames still arriving, all peers together) plus a frame's
#                               decode per I/O thread and the rest of the node; raise both together.
#                               Past the budget a node reads slower, it does not run out of heap.
#   -XX:PerfDataSamplingInterval=1000  jstat's counters sampled each second, not each 50 ms: a JVM
#                               thread that woke 20 times a second wakes once (0.2% of a core idle)
# bin/peerpool adds a class-data-sharing archive of its own (PEERPOOL_CDS=off to not).
PEERPOOL_JVM_OPTS=${PEERPOOL_JVM_OPTS:-"-Xms16m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:+ExitOnOutOfMemoryError -XX:PerfDataSamplingInterval=1000"}

# Class-data-sharing archive: on (default) or off. PEERPOOL_CDS_DIR (default run/cds
# beside bin/) holds it, shared by every node this install runs.
PEERPOOL_CDS=${PEERPOOL_CDS:-on}

# Remote JMX port for JConsole/VisualVM; empty: local attach only (JConsole lists
# the process under "Local Process" either way). A port needs a password file, on
# loopback too (any local user could otherwise load code into the node through it):
#   PEERPOOL_JMX_PASSWORD_FILE=/etc/peerpool/jmxremote.password   ("role password" lines, chmod 600)
#   PEERPOOL_JMX_ACCESS_FILE=/etc/peerpool/jmxremote.access       ("role readonly|readwrite" lines)
PEERPOOL_JMX_PORT=${PEERPOOL_JMX_PORT:-}

# Where remote JMX listens. Loopback by default. Beyond it, set PEERPOOL_JMX_SSL=true
# (with a keystore for the JVM) or the password crosses the network in clear:
#   PEERPOOL_JMX_HOST=10.0.0.5
#   PEERPOOL_JMX_SSL=true
PEERPOOL_JMX_HOST=${PEERPOOL_JMX_HOST:-127.0.0.1}

# Prometheus metrics: set a port to serve http://127.0.0.1:PORT/metrics from the
# Prometheus JMX exporter agent (lib/jmx_prometheus_javaagent-1.0.1.jar), with the
# bean-to-metric rules of metrics.yaml in this directory. Loopback only; empty: off.
# The JVM cannot record the class-data-sharing archive with this agent loaded, so the
# first start of a new build runs without one and the next builds it (a few seconds, once).
#   PEERPOOL_METRICS_PORT=9464
PEERPOOL_METRICS_PORT=${PEERPOOL_METRICS_PORT:-}
