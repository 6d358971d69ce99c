package dev.chatwar.room;

/**
 * Where rooms keep their history; a shared store can replace the in-memory one without touching the rooms.
 * A room opens its history when it is created and keeps it while it has members; the store decides how long a history
 * outlives its room.
 */
public interface HistoryStore {

    History open(String room);
}
