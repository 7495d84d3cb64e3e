package io.warren.files;

import java.nio.file.Path;
import java.util.List;

/**
 * A directory this node exports read-only.
 *
 * @param name what getters call it: the first part of every path they ask for
 * @param dir the directory, absolute
 * @param to who may list and get from it: peers as {@code scheme:id}, networks as {@code network:<name>}
 */
public record Share(String name, Path dir, List<String> to) {}
