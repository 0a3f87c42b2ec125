package org.peerpool;

/**
 * One node's configuration file over JMX ({@code peerpool:type=Config,node="IP:PORT"},
 * DESIGN.md A3): which file is in force, when it was loaded, how many reloads were
 * applied or rejected and why the last one was rejected, and an operation to reload
 * now. It emits a notification for every reload applied or rejected; the user data is
 * the file's path.
 */
@Description("The configuration file of one peerpool node: what is in force, reloads applied and rejected")
public interface ConfigMXBean {

    /** A changed file was loaded and applied. */
    String CONFIG_RELOADED = "peerpool.config.reloaded";
    /** A changed file was rejected as a whole; the message is the error. */
    String CONFIG_REJECTED = "peerpool.config.rejected";

    @Description("Path of the watched configuration file")
    String getFile();

    @Description("When the configuration in force was loaded (ISO-8601, UTC)")
    String getLoadedAt();

    @Description("Reloads applied since start")
    long getReloadCount();

    @Description("Changed files rejected since start (the previous configuration stayed in force)")
    long getRejectedCount();

    @Description("Why the last reload was rejected (file, line or key, what is wrong); empty when the last "
            + "attempt loaded")
    String getLastError();

    @Description("The node's address (local_ip:port) in the configuration in force")
    String getLocalAddress();

    @Description("The file's own peer lines in force, in address order, without duplicates or this node; "
            + "peers from [peers] sources are added to these (ConnectionPool ConfiguredPeers holds the merged list)")
    String[] getPeers();

    @Description("One line per [peers] source that fails now (missing file, bad line, DNS timeout or NXDOMAIN: it "
            + "keeps its last good list) or holds back an answer dropping more than max_drop_fraction of its peers, "
            + "and per source peer refused (unpinned under mode = required); empty when all is well")
    String[] getSourceErrors();

    @Description("Reads the file now instead of waiting for the watcher, and says whether it was applied, "
            + "unchanged or rejected")
    String reload();
}
