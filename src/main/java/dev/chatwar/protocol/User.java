package dev.chatwar.protocol;

/** A member as others see them: the unique name in the room and the address the server saw. */
public record User(String name, String address) {
}
