#pragma once

// Transport-neutral request and response values. The Beast sessions fill HttpRequest and write
// HttpResponse; everything between (routing, authentication, storage) sees only these.

#include <QByteArray>
#include <QList>
#include <QPair>

#include <cstdint>

namespace liaison::relay {

struct HttpRequest
{
    QByteArray method; // upper case as sent
    QByteArray target; // path ‖ '?' ‖ query as sent
    QByteArray path;
    QByteArray query;
    QByteArray host;
    // Only the headers the relay reads.
    QByteArray liaisonKey;
    QByteArray liaisonTime;
    QByteArray liaisonNonce;
    QByteArray liaisonSig;
    QByteArray enrolToken; // Liaison-Enrol-Token
    QByteArray contentType;
    QByteArray body;
    QByteArray peer; // remote address, for per-address limits and the log
    std::int64_t receivedMs = 0;
};

struct HttpResponse
{
    int status = 200;
    QByteArray contentType;
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray errorCode; // set for error responses: the metric label and the log
    bool close = false;   // close the connection after writing

    void addHeader(const QByteArray &name, const QByteArray &value)
    {
        headers.append(qMakePair(name, value));
    }
};

// {"error": code, "message": message}
[[nodiscard]] HttpResponse jsonError(int status, const char *code, const QString &message);
[[nodiscard]] HttpResponse jsonResponse(int status, const QByteArray &json);
[[nodiscard]] HttpResponse binaryResponse(int status, QByteArray body);

// Stable error codes (the `error` field of every error body).
namespace errc {
inline constexpr char badRequest[] = "bad_request";
inline constexpr char headerTooLarge[] = "header_too_large";
inline constexpr char bodyTooLarge[] = "body_too_large";
inline constexpr char notFound[] = "not_found";
inline constexpr char methodNotAllowed[] = "method_not_allowed";
inline constexpr char unsigned_[] = "unsigned";
inline constexpr char malformedAuth[] = "malformed_auth";
inline constexpr char clockSkew[] = "clock_skew";
inline constexpr char unknownKey[] = "unknown_key";
inline constexpr char badSignature[] = "bad_signature";
inline constexpr char replayed[] = "replayed";
inline constexpr char revoked[] = "revoked";
inline constexpr char forbidden[] = "forbidden";
inline constexpr char wrongAudience[] = "wrong_audience";
inline constexpr char malformedEnvelope[] = "malformed_envelope";
inline constexpr char wrongDeployment[] = "wrong_deployment";
inline constexpr char senderNotCaller[] = "sender_not_caller";
inline constexpr char recipientNotAllowed[] = "recipient_not_allowed";
inline constexpr char unknownRecipient[] = "unknown_recipient";
inline constexpr char badEnvelopeSignature[] = "bad_envelope_signature";
inline constexpr char seqConflict[] = "seq_conflict";
inline constexpr char mailboxFull[] = "mailbox_full";
inline constexpr char rateLimited[] = "rate_limited";
inline constexpr char noHqCertificate[] = "no_hq_certificate";
inline constexpr char badCertificate[] = "bad_certificate";
inline constexpr char badToken[] = "bad_token";
inline constexpr char expired[] = "expired";
inline constexpr char submissionLimit[] = "submission_limit";
inline constexpr char unavailable[] = "unavailable";
inline constexpr char shuttingDown[] = "shutting_down";
inline constexpr char timeout[] = "timeout";
} // namespace errc

} // namespace liaison::relay
