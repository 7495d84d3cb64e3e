package io.warren.voip.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code /warren/voip/media/1.0.0}: the caller's node opens the stream and names the call
 * in its first frame (HELLO); a stream for no answered call of that peer, one that does not say
 * HELLO within {@value #HELLO_MILLIS} ms, or a malformed frame is closed (that stream only).
 */
@Component(service = StreamHandler.class, property = StreamHandler.PROTOCOL + "=" + MediaFrames.PROTOCOL)
public final class MediaStreams implements StreamHandler {
  private static final Logger LOG = LoggerFactory.getLogger(MediaStreams.class);
  static final long HELLO_MILLIS = 10_000;
  private final MediaCalls calls;

  @Activate
  public MediaStreams(@Reference MediaCalls calls) {
    this.calls = calls;
  }

  @Override
  public void handle(Stream stream) {
    var timeout = stream.channel().eventLoop().schedule(() -> {
      stream.channel().close();
    }, HELLO_MILLIS, TimeUnit.MILLISECONDS);
    stream.channel().pipeline().addLast(MediaFrames.DECODER, MediaFrames.decoder())
        .addLast("hello", new SimpleChannelInboundHandler<ByteBuf>() {
          @Override
          protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            timeout.cancel(false);
            int kind = frame.readUnsignedByte();
            String id = frame.toString(StandardCharsets.US_ASCII);
            var media = kind == MediaFrames.HELLO ? calls.answered(id, stream.peer())
                : java.util.Optional.<OverlayMedia>empty();
            if (media.isEmpty()) {
              LOG.debug("voip: media stream from {} for no answered call of its (kind {}), closed", stream.peer(),
                  kind);
              ctx.close();
              return;
            }
            media.get().use(stream); // adds its handler behind this one, which then leaves
            ctx.pipeline().remove(this);
          }

          @Override
          public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("voip: media stream from {}: {}", stream.peer(), cause.toString());
            ctx.close();
          }
        });
    stream.channel().config().setAutoRead(true);
  }
}
