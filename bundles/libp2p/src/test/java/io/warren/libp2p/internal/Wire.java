package io.warren.libp2p.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;

/** Test helpers: moves bytes between two EmbeddedChannels as if they were the two ends of a socket. */
public final class Wire {

    private Wire() {
    }

    /** Moves everything {@code from} wrote into {@code to}'s inbound side; returns the number of buffers moved. */
    public static int transfer(EmbeddedChannel from, EmbeddedChannel to) {
        int n = 0;
        Object msg;
        while ((msg = from.readOutbound()) != null) {
            if (to.isOpen()) {
                to.writeInbound(msg);
            } else {
                io.netty.util.ReferenceCountUtil.release(msg);
            }
            n++;
        }
        return n;
    }

    /** Pumps both ways until neither side writes anything more (also runs scheduled tasks). */
    public static void pump(EmbeddedChannel a, EmbeddedChannel b) {
        for (int i = 0; i < 10_000; i++) {
            a.runPendingTasks();
            b.runPendingTasks();
            if (transfer(a, b) + transfer(b, a) == 0) {
                return;
            }
        }
        throw new AssertionError("pump: no quiescence after 10000 rounds");
    }

    /** Drains all outbound buffers of a channel into one buffer. */
    public static ByteBuf drainOutbound(EmbeddedChannel ch) {
        ByteBuf all = Unpooled.buffer();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            all.writeBytes(b);
            b.release();
        }
        return all;
    }

    public static String ascii(ByteBuf b) {
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
