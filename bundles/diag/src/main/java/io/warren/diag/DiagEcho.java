package io.warren.diag;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.warren.api.Stream;
import io.warren.api.StreamHandler;
import org.osgi.service.component.annotations.Component;

/**
 * Echoes every byte of a {@value #PROTOCOL} stream back to the sender, reading the next buffer
 * only after the last one was written, and closes its side once the sender closed its own.
 */
@Component(property = StreamHandler.PROTOCOL + "=" + DiagEcho.PROTOCOL)
public final class DiagEcho implements StreamHandler {
  public static final String PROTOCOL = "/warren/diag/echo/1.0.0";

  @Override
  public void handle(Stream stream) {
    stream.channel().pipeline().addLast("diag-echo", new ChannelInboundHandlerAdapter() {
      @Override
      public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
      }

      @Override
      public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
          ctx.read();
        }
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ctx.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
          if (f.isSuccess()) {
            ctx.read();
          } else {
            ctx.close();
          }
        });
      }

      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
          ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
          ctx.fireUserEventTriggered(evt);
        }
      }
    });
  }
}
