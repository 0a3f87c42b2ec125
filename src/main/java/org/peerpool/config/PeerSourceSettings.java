package org.peerpool.config;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * The {@code [peers]} section (DESIGN.md A2): where more peers come from besides the
 * peer lines, how often DNS names are asked again, and how much of a source's list one
 * answer may drop before it is held back for a second look.
 *
 * @param file an absolute path to a peers file, or null when none is named
 * @param dns the names to resolve, in file order, without duplicates
 * @param maxDropFraction above 0 and at most 1; 1 never holds an answer back
 */
public record PeerSourceSettings(Path file, List<DnsName> dns, int dnsRefreshS, double maxDropFraction) {

    public static final double DEFAULT_MAX_DROP_FRACTION = 0.5;

    /** No sources: only the peer lines count. */
    public static final PeerSourceSettings NONE = new PeerSourceSettings(null, List.of(),
            (int) ConfigKey.DNS_REFRESH_S.defaultValue(), DEFAULT_MAX_DROP_FRACTION);

    public PeerSourceSettings {
        dns = List.copyOf(new LinkedHashSet<>(Objects.requireNonNull(dns, "dns")));
        if (file != null && !file.isAbsolute()) {
            throw new IllegalArgumentException("file: " + file + " (expected: an absolute path)");
        }
        if (!(maxDropFraction > 0 && maxDropFraction <= 1)) {
            throw new IllegalArgumentException("max_drop_fraction: " + maxDropFraction
                    + " (expected: above 0 and at most 1)");
        }
    }

    /** True when a file or a DNS name is configured. */
    public boolean any() {
        return file != null || !dns.isEmpty();
    }
}
