package io.warren.deploy.internal;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of one artifact received so far from one peer, in a staging file named by the
 * artifact's SHA-256 and that peer, so a dropped upload resumes where it stopped, and only by the
 * peer that began it. One stream writes at a time: a new stream {@link #claim}s the file, and the
 * one before (a connection that died without the target noticing yet) can no longer write.
 */
final class Partial {
  private final Path file;
  private final long size;
  private Object owner;
  private FileChannel out;
  private long received;
  private final List<Long> starts = new ArrayList<>();

  Partial(Path file, long size) {
    this.file = file;
    this.size = size;
  }

  Path file() {
    return file;
  }

  /**
   * Makes {@code who} the writer and answers the bytes already held (a file longer than the artifact
   * starts over, and so does any file when {@code resume} is false: a 1.0.0 pusher sends it all).
   */
  synchronized long claim(Object who, boolean resume) throws IOException {
    close();
    Files.createDirectories(file.getParent());
    out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    long at = out.size();
    if (at > size || !resume) {
      out.truncate(0);
      at = 0;
    }
    out.position(at);
    owner = who;
    starts.add(at);
    return at;
  }

  /** Appends {@code n} bytes of {@code in} if {@code who} is still the writer; answers whether it is. */
  synchronized boolean write(Object who, ByteBuf in, int n) throws IOException {
    if (owner != who || out == null) {
      return false;
    }
    int left = n;
    while (left > 0) {
      left -= in.readBytes(out, left);
    }
    received += n;
    return true;
  }

  /** {@code who} stops writing (its stream ended); the bytes stay for a resume. */
  synchronized void release(Object who) {
    if (owner == who) {
      close();
      owner = null;
    }
  }

  synchronized boolean owned() {
    return owner != null;
  }

  /** The whole artifact, read and then deleted (a resume after this starts from nothing). */
  synchronized byte[] take() throws IOException {
    close();
    owner = null;
    try {
      return Files.readAllBytes(file);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** How the bytes came: the total received here and where each stream started. */
  synchronized String report() {
    return "upload: " + received + " bytes received over " + starts.size() + " stream(s)"
        + (starts.size() > 1 ? ", resumed at " + starts.subList(1, starts.size()) : "");
  }

  private void close() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        // the bytes written are in the file or not; the final SHA-256 check decides
      }
      out = null;
    }
  }
}
