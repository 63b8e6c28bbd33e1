package io.distill.stack;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FreePortsTest {

    @Test
    void picksBindablePortsBelowTheEphemeralRange() throws Exception {
        int low = FreePorts.ephemeralLow();
        assertTrue(low > 10_000, "ephemeral range starts at " + low);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            int port = FreePorts.pick();
            assertTrue(port >= 10_000 && port < low, port + " is outside [10000, " + low + ")");
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
            }
            seen.add(port);
        }
        assertTrue(seen.size() > 1, "ports are drawn at random: " + seen);
    }

    @Test
    void aPortInUseIsNotFree() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), FreePorts.pick()));
            assertTrue(!FreePorts.isFree(taken.getLocalPort()));
        }
    }
}
