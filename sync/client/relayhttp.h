#pragma once

// The HTTP side of talking to liaison-relay, shared by the device (SyncClient) and HQ
// (HqTransport): builds LIAISN-req-v1 signed requests (sync/protocol/requestsig.h), checks the
// relay's TLS public key against the pins from the enrolment code, recovers once from a
// `clock_skew` refusal, and turns every answer into a RelayReply. No retries beyond the one skew
// retry: the engines decide what to do with a failure.
//
// TLS (DESIGN.md "Relay"): the relay's certificate may be self-signed. No certificate authority is
// trusted (the CA list is empty); a handshake goes on only when the SHA-256 of the peer
// certificate's SubjectPublicKeyInfo is one of the pins, and then only the chain-of-trust and name
// errors of that certificate are ignored. A wrong certificate, or the right host with an unpinned
// key, is refused. Plain http is allowed only for a loopback host when explicitly enabled (a
// development flag).

#include "crypto/crypto.h"
#include "error.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QNetworkReply>
#include <QObject>
#include <QPointer>
#include <QSslCertificate>
#include <QSslError>
#include <QUrl>

#include <cstdint>
#include <functional>
#include <optional>

class QNetworkAccessManager;

namespace liaison::client {

struct SpkiPinTag;
// SHA-256 of a DER SubjectPublicKeyInfo (the form `openssl pkey -pubin -outform der | sha256`
// and liaison-relay's start-up line print, base64).
using SpkiPin = crypto::FixedBytes<32, SpkiPinTag>;

[[nodiscard]] SpkiPin spkiSha256(const QSslCertificate &certificate);
// Base64 (44 characters, as the relay prints it) or 64 hex digits.
[[nodiscard]] std::optional<SpkiPin> parseSpkiPin(QByteArrayView text);

struct RelayEndpoint
{
    QUrl baseUrl;            // https://relay.example.org:8443 (a path prefix is allowed)
    crypto::Id16 deployment; // part of every request signature's audience
    QList<SpkiPin> pins;     // at least one for https
    bool allowPlainHttpOnLoopback = false; // development flag: http://127.0.0.1:PORT
};

// Plain http to a relay is a development mode (DESIGN.md "Relay": plain http only on loopback
// behind a development flag). On this side the flag is the build: only a build with
// LIAISON_TESTING=ON (LIAISON_TEST_HOOKS) may use http at all, and then only to a loopback host;
// a product build refuses every http URL, whatever allowPlainHttpOnLoopback says. (The relay's
// side is its own --dev-plain-http.)
#if defined(LIAISON_TEST_HOOKS)
inline constexpr bool kPlainHttpDevelopmentBuild = true;
#else
inline constexpr bool kPlainHttpDevelopmentBuild = false;
#endif

// https with at least one pin, or, in a development build, http to a loopback host with the
// development flag.
[[nodiscard]] Status validateEndpoint(const RelayEndpoint &endpoint);
[[nodiscard]] bool isLoopbackHost(const QString &host);

// Who signs a request: key id "hq", "admin" or a device id in hex, and the secret key. The key
// must outlive the call (it lives in the unlocked vault).
struct RequestSigner
{
    QByteArray keyId;
    const crypto::SignSecretKey *key = nullptr;
};

struct RelayReply
{
    int status = 0; // HTTP status; 0 when no answer arrived (transport, TLS, timeout, abort)
    QNetworkReply::NetworkError networkError = QNetworkReply::NoError;
    bool pinRefused = false; // the TLS handshake was refused: no pin matched
    bool aborted = false;    // abort() or RelayHttp::abortAll()
    bool tooLarge = false;   // the answer (headers or body) passed the call's bound: not read
    QByteArray body;
    QByteArray errorCode; // "error" of a JSON error answer ("clock_skew", "seq_conflict" ...)
    QString errorMessage;
    std::optional<std::int64_t> relayTimeMs; // Liaison-Time of the answer
    QHash<QByteArray, QByteArray> headers;   // lower-case names

    [[nodiscard]] bool ok() const { return status >= 200 && status < 300; }
    // A failure that may go away by itself: no answer, 408, 425, 429, 5xx.
    [[nodiscard]] bool transient() const;
    [[nodiscard]] QByteArray header(QByteArrayView lowerName) const
    {
        return headers.value(lowerName.toByteArray());
    }
    // "HTTP 409 seq_conflict" / "network error 2" / "TLS key not pinned" (no bodies, no secrets).
    [[nodiscard]] QString describe() const;
};

class RelayHttp final : public QObject
{
    Q_OBJECT
public:
    using Callback = std::function<void(const RelayReply &)>;
    using WallClock = std::function<std::int64_t()>;

    // Bounds on what one answer may hold (security review L-14): the body, unless the call
    // names another bound, and all header lines together. A body past its bound is never
    // buffered whole: the read buffer holds at most bound + 1 bytes, the call is aborted as soon
    // as more arrives (or a Content-Length announces more) and fails with tooLarge. Qt 6.4's
    // HTTP client gives no byte count while it reads the header block, so headers are bounded by
    // time: the header block must be complete within the call's timeout (then their total size
    // is checked against kMaxResponseHeaderBytes).
    static constexpr qsizetype kDefaultMaxResponseBytes = 1024 * 1024;
    static constexpr qsizetype kMaxResponseHeaderBytes = 64 * 1024;

    // The endpoint must pass validateEndpoint(); calls on an invalid one fail at once.
    RelayHttp(QNetworkAccessManager *nam, RelayEndpoint endpoint, WallClock wallClockMs,
              QObject *parent = nullptr);
    ~RelayHttp() override;
    Q_DISABLE_COPY_MOVE(RelayHttp)

    [[nodiscard]] const RelayEndpoint &endpoint() const { return m_endpoint; }
    [[nodiscard]] Status endpointStatus() const { return m_endpointStatus; }
    // The relay's TLS pins replaced (a POLICY rolled them over, DESIGN.md "Relay"): every TLS
    // handshake from now on is checked against the new set. An empty set is ignored (an https
    // endpoint needs a pin).
    void setPins(const QList<SpkiPin> &pins)
    {
        if (!pins.isEmpty())
            m_endpoint.pins = pins;
    }

    // One request. pathAndQuery is relative to the base URL ("/v1/mailbox?after=3"). signer
    // nullopt: unauthenticated (wipe token, HQ certificate). timeoutMs: no bytes for that long
    // (or no complete header block) ends the call (status 0). maxResponseBytes bounds the body
    // (tooLarge past it). `done` runs exactly once, on this object's thread, unless this object
    // is destroyed first. Returns a handle for abort().
    quint64 call(const QByteArray &method, const QByteArray &pathAndQuery, const QByteArray &body,
                 std::optional<RequestSigner> signer, int timeoutMs, Callback done,
                 const QByteArray &contentType = "application/octet-stream",
                 qsizetype maxResponseBytes = kDefaultMaxResponseBytes);
    // An unauthenticated call with extra request headers: the enrolment submission's
    // Liaison-Enrol-Token (POST /v1/enrol/{id}, DESIGN.md "Enrolment"). Otherwise as call().
    quint64 callWithHeaders(const QByteArray &method, const QByteArray &pathAndQuery,
                            const QByteArray &body,
                            QList<std::pair<QByteArray, QByteArray>> headers, int timeoutMs,
                            Callback done);
    void abort(quint64 handle);
    void abortAll();
    [[nodiscard]] int inFlight() const { return int(m_calls.size()); }

    // relay − local, learnt from a clock_skew answer; signs requests only, never HLC stamps.
    [[nodiscard]] std::int64_t clockOffsetMs() const { return m_clockOffsetMs; }
    void setClockOffsetMs(std::int64_t offset) { m_clockOffsetMs = offset; }

Q_SIGNALS:
    // A clock_skew answer moved the offset (the app may persist it).
    void clockOffsetChanged(qint64 offsetMs);
    // Every answer that carried the relay's clock (Liaison-Time); HQ confirms its time with it
    // (RecordStore::hqClockAheadRefusals).
    void relayTimeSeen(qint64 relayMs);
    // A TLS handshake was refused because no pin matched (ids only: the host).
    void pinMismatch(const QString &host);

private:
    struct Call
    {
        quint64 handle = 0;
        QByteArray method;
        QByteArray pathAndQuery;
        QByteArray body;
        QByteArray contentType;
        QList<std::pair<QByteArray, QByteArray>> headers; // extra request headers
        std::optional<QByteArray> keyId;
        const crypto::SignSecretKey *key = nullptr;
        int timeoutMs = 0;
        Callback done;
        bool skewRetried = false;
        bool replayRetried = false;
        bool pinRefused = false;
        bool aborted = false;
        qsizetype maxResponseBytes = kDefaultMaxResponseBytes;
        bool tooLarge = false;
        bool headersTimedOut = false;
        // The body as read so far: drained from the reply at every readyRead (never more than
        // maxResponseBytes), so Qt's HTTP thread always has room to go on reading.
        QByteArray received;
        QPointer<QNetworkReply> reply;
    };

    // Moves what the reply has read into the call's body, or refuses the answer past its bound.
    void drain(const std::shared_ptr<Call> &c, QNetworkReply *reply);
    // The answer passed its bound: stop reading it.
    void refuseTooLarge(const std::shared_ptr<Call> &c, QNetworkReply *reply);

    void start(const std::shared_ptr<Call> &c);
    void finished(const std::shared_ptr<Call> &c, QNetworkReply *reply);
    void complete(const std::shared_ptr<Call> &c, RelayReply reply);
    [[nodiscard]] bool pinned(const QSslCertificate &peer) const;
    [[nodiscard]] QByteArray hostHeader() const;

    QPointer<QNetworkAccessManager> m_nam;
    RelayEndpoint m_endpoint;
    Status m_endpointStatus;
    WallClock m_wallClock;
    std::int64_t m_clockOffsetMs = 0;
    quint64 m_nextHandle = 1;
    QHash<quint64, std::shared_ptr<Call>> m_calls;
};

} // namespace liaison::client
