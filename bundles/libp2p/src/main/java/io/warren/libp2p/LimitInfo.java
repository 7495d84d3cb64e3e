package io.warren.libp2p;

/**
 * One line of {@link Libp2pNode#limits()}: how much of a resource a scope uses, its limit, and how
 * often the limit refused something since the node started.
 *
 * @param scope {@code system}, {@code transient}, {@code per ip}, {@code per peer}, {@code per protocol}
 *     (the busiest one's use), or one address, peer or protocol ({@code ip 203.0.113.7}, {@code peer 12D3...},
 *     {@code protocol /ipfs/ping/1.0.0})
 * @param resource {@code connections} or {@code inbound streams}
 * @param used in use now
 * @param limit the configured limit
 * @param refused refusals by this limit since the node started; -1 on the lines of one address, peer or
 *     protocol (refusals are counted for the limit, on the {@code per ...} line)
 */
public record LimitInfo(String scope, String resource, long used, long limit, long refused) {}
