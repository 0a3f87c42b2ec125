/**
 * peerpool as a library: {@link org.peerpool.Agent} and what its API names (the config
 * values, the wire's addresses and messages, the TLS key values) are exported. The
 * engine (the pool's decisions, the MINA transport and its TLS filters, JMX beans, the
 * command-line tools, peer sources) is not, so an embedder on the module path cannot
 * reach it. The application itself runs on the class path, where this descriptor
 * changes nothing.
 */
module org.peerpool {
    requires transitive java.management;
    requires java.naming;
    requires jdk.attach;
    requires jdk.net;
    requires jdk.unsupported;
    requires org.apache.commons.configuration2;
    requires org.apache.mina.core;
    requires org.slf4j;

    exports org.peerpool;
    exports org.peerpool.config;
    // The key values the config names (KeyPin, TlsMode, LocalKey); the TLS plumbing is in transport.
    exports org.peerpool.tls;
    exports org.peerpool.wire;
}
