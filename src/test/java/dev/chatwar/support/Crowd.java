package dev.chatwar.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Many members at once over raw sockets, each from one of many loopback addresses (127.x.y.z), spread round-robin
 * over rooms: what a wave of phones looks like to the server. Members do not read what the room sends them after
 * their {@code welcome}; the frames wait in their sockets, as they would on a phone that is about to vanish.
 */
public final class Crowd implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<RawWebSocket> members = new ArrayList<>();

    private Crowd() {
    }

    /**
     * Connects {@code size} members to rooms {@code roomPrefix-0 … roomPrefix-(rooms-1)}, {@code perAddress} of them
     * from each address {@code 127.<block>.y.z}, and waits for each one's welcome.
     */
    public static Crowd join(URL base, int size, int rooms, String roomPrefix, int block, int perAddress)
            throws IOException {
        Crowd crowd = new Crowd();
        for (int i = 0; i < size; i++) {
            RawWebSocket member = RawWebSocket.open(base, "room=" + roomPrefix + "-" + (i % rooms) + "&name=m" + i,
                    true, 0, address(block, i / perAddress));
            crowd.members.add(member);
            if (member.status() != 101) {
                throw new AssertionError("member " + i + " was refused: HTTP " + member.status());
            }
            welcome(member);
        }
        return crowd;
    }

    /** The {@code index}-th address of a block: {@code 127.<block>.y.z}, z from 1 to 250. */
    public static String address(int block, int index) {
        return "127." + block + "." + (index / 250) + "." + (index % 250 + 1);
    }

    /** Reads up to the member's {@code welcome} and returns it. */
    public static JsonNode welcome(RawWebSocket member) throws IOException {
        while (true) {
            RawWebSocket.Frame frame = member.readMessage();
            if (frame.opcode() == -1 || frame.opcode() == RawWebSocket.CLOSE) {
                throw new AssertionError("closed before its welcome, code " + frame.closeCode());
            }
            if (frame.opcode() == RawWebSocket.TEXT) {
                JsonNode event = JSON.readTree(frame.text().split("\n")[0]);
                if (event.path("type").asText().equals("welcome")) {
                    return event;
                }
            }
        }
    }

    /** Every member says one thing. */
    public void sayOneThingEach() throws IOException {
        for (int i = 0; i < members.size(); i++) {
            members.get(i).sendText("hello from m" + i);
        }
    }

    /** Every member's socket is reset: no close frame, no FIN. */
    public void vanish() throws IOException {
        for (RawWebSocket member : members) {
            member.reset();
        }
        members.clear();
    }

    /** Every member sends a close frame (1000), as fast as one thread can write them. */
    public void sayGoodbye() throws IOException {
        for (RawWebSocket member : members) {
            member.sendClose(1000);
        }
    }

    /** How the server answered a crowd's close frames. */
    public record Goodbyes(int echoed, int droppedWithoutEcho, int hung) {
    }

    /**
     * After {@link #sayGoodbye}: reads each member's socket until the server's close frame or the end of the
     * connection (at most {@link TestClient#TIMEOUT} each), then closes it.
     */
    public Goodbyes awaitServerCloses() throws Exception {
        ExecutorService readers = Executors.newFixedThreadPool(32);
        try {
            List<Future<Integer>> outcomes = new ArrayList<>();
            for (RawWebSocket member : members) {
                outcomes.add(readers.submit(() -> {
                    try (member) {
                        while (true) {
                            int opcode = member.read().opcode();
                            if (opcode == RawWebSocket.CLOSE || opcode == -1) {
                                return opcode == RawWebSocket.CLOSE ? 0 : 1;
                            }
                        }
                    } catch (SocketTimeoutException e) {
                        return 2;
                    } catch (IOException reset) {
                        return 1;
                    }
                }));
            }
            int[] counts = new int[3];
            for (Future<Integer> outcome : outcomes) {
                counts[outcome.get()]++;
            }
            members.clear();
            return new Goodbyes(counts[0], counts[1], counts[2]);
        } finally {
            readers.shutdownNow();
            readers.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws IOException {
        for (RawWebSocket member : members) {
            member.close();
        }
        members.clear();
    }
}
