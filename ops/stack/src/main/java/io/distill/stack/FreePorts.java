package io.distill.stack;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks a free port on 127.0.0.1 <em>below</em> the kernel's ephemeral port range.
 *
 * <p>A port the kernel hands out for {@code bind(0)} comes from the ephemeral range, from which it also takes the local
 * port of every outgoing connection. A listener that must come back on the same port after a restart (a killed broker,
 * a restarted service's metrics endpoint) then finds it taken by some client's connection, or by a client that kept
 * connecting to it while it was down and got connected to itself (TCP self-connect): {@code Address already in use}.
 * Ports below the range are never handed out that way.
 */
public final class FreePorts {

    private static final int LOWEST = 10_000;
    /** Below Linux's (32768) and the IANA/BSD (49152) ephemeral ranges. */
    private static final int DEFAULT_EPHEMERAL_LOW = 32_768;
    private static final int ATTEMPTS = 200;

    private FreePorts() {
    }

    /** A port that was free a moment ago on 127.0.0.1, outside the ephemeral range when one can be found. */
    public static int pick() {
        int high = ephemeralLow();
        for (int i = 0; i < ATTEMPTS && high > LOWEST; i++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, high);
            if (isFree(port)) {
                return port;
            }
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(StackSupport.HOST), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new StackException("Cannot find a free port on " + StackSupport.HOST + ": " + e.getMessage(), e);
        }
    }

    static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(StackSupport.HOST), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The first port of the kernel's ephemeral range ({@code /proc/sys/net/ipv4/ip_local_port_range} on Linux). */
    static int ephemeralLow() {
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        try {
            if (Files.isReadable(range)) {
                String[] parts = Files.readString(range).trim().split("\\s+");
                int low = Integer.parseInt(parts[0]);
                if (low > 1024) {
                    return Math.min(low, DEFAULT_EPHEMERAL_LOW);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall back to the common default
        }
        return DEFAULT_EPHEMERAL_LOW;
    }
}
