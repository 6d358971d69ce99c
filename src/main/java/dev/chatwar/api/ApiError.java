package dev.chatwar.api;

/**
 * A server API call that could not be carried out: its HTTP status, a stable {@code error} code, a reason for people,
 * and the request field at fault (or null). Answered as {@code {"error":…,"reason":…,"field":…}}.
 */
final class ApiError extends RuntimeException {
    private final int status;
    private final String code;
    private final String field;

    ApiError(int status, String code, String reason, String field) {
        super(reason, null, false, false);
        this.status = status;
        this.code = code;
        this.field = field;
    }

    static ApiError badRequest(String field, String reason) {
        return new ApiError(400, "bad_request", reason, field);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    String field() {
        return field;
    }
}
