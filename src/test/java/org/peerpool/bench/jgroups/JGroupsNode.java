package org.peerpool.bench.jgroups;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jgroups.JChannel;

/**
 * One JGroups 5.4.4 member for the benchmark's processes figure: the stock
 * {@code tcp.xml} from the JGroups jar, TCPPING with the static member list, run as a
 * process of its own beside the peerpool processes. Arguments: {@code BIND_IP PORT
 * HOSTS WORKDIR}, where {@code HOSTS} is TCPPING's {@code ip[port],ip[port],...}. The
 * only change to the stock stack is {@code client_bind_addr} (so outbound connections
 * leave from this member's own address, as peerpool's do from {@code local_ip}) and
 * {@code port_range=0} (one port per member, as peerpool). Prints {@code STARTED}
 * once the channel is connected and runs until its stdin closes.
 */
public final class JGroupsNode {

    private JGroupsNode() {
    }

    public static void main(String[] args) throws Exception {
        String ip = args[0];
        System.setProperty("jgroups.bind_addr", ip);
        System.setProperty("jgroups.bind_port", args[1]);
        System.setProperty("jgroups.tcpping.initial_hosts", args[2]);
        System.setProperty("jgroups.tcp.port_range", "0");
        System.setProperty("java.net.preferIPv4Stack", "true");
        String stock;
        try (InputStream in = JChannel.class.getClassLoader().getResourceAsStream("tcp.xml")) {
            stock = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String xml = stock.replace("<TCP bind_addr=", "<TCP client_bind_addr=\"" + ip + "\" bind_addr=");
        Path file = Path.of(args[3], "tcp-" + ip + ".xml");
        Files.writeString(file, xml, StandardCharsets.UTF_8);
        try (JChannel channel = new JChannel(file.toString())) {
            channel.connect("peerpool-bench");
            System.out.println("STARTED " + channel.getAddress());
            System.out.flush();
            while (System.in.read() >= 0) {
                // runs until the benchmark closes stdin
            }
        }
    }
}
