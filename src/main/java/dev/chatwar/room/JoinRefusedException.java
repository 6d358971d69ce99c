package dev.chatwar.room;

/** A connection's {@code room} or {@code name} parameter is unusable; the message says which and why. */
public final class JoinRefusedException extends Exception {
    public JoinRefusedException(String parameter, String why) {
        super(parameter + ": " + why, null, false, false);
    }
}
