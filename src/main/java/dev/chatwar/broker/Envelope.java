package dev.chatwar.broker;

import dev.chatwar.protocol.ServerEvent.RoomEvent;

/**
 * A room event on its way to other nodes.
 *
 * @param version the envelope format; a node drops versions it does not know instead of misreading them
 * @param nodeId  the node that delivered the event locally first; that node drops its own echo
 * @param event   the event, already stamped with id, time and sender by the origin node
 */
public record Envelope(int version, String nodeId, RoomEvent event) {
    public static final int VERSION = 1;

    public static Envelope of(String nodeId, RoomEvent event) {
        return new Envelope(VERSION, nodeId, event);
    }
}
