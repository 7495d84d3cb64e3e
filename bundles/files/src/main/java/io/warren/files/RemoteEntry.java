package io.warren.files;

/**
 * One entry of another node's share, as {@link FileTransfers#list} reports it.
 *
 * @param name the entry's name in the directory listed (the share's name when the shares are listed)
 * @param kind {@code file}, {@code dir}, {@code link} (not followed when got) or {@code other} (a device, pipe or
 *     socket, never served)
 * @param size bytes of a file, 0 otherwise
 * @param mode permission bits (0-0777)
 * @param modifiedMillis last modification
 */
public record RemoteEntry(String name, String kind, long size, int mode, long modifiedMillis) {}
