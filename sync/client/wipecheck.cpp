#include "wipecheck.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcSync)

namespace liaison::client {

namespace {
constexpr int kWipeTimeoutMs = 15'000;
// A token is 328 bytes plus its certificate; an error answer is a short JSON object. Nothing
// longer is read (security review L-14).
constexpr qsizetype kWipeAnswerBytes = 4096;
} // namespace

WipeCheck::WipeCheck(RelayHttp &http, WipeTarget target, QObject *parent)
    : QObject(parent)
    , m_http(http)
    , m_target(target)
{}

void WipeCheck::check()
{
    if (m_handle)
        return;
    const QByteArray path = "/v1/wipe/" + m_target.wipeId.toHex();
    m_handle = m_http.call(
        "GET", path, {}, std::nullopt, kWipeTimeoutMs,
        [this](const RelayReply &r) {
            m_handle = 0;
            if (r.status == 404)
                return Q_EMIT finished(Outcome::NoToken, std::nullopt);
            if (r.status != 200)
                return Q_EMIT finished(Outcome::Unreachable, std::nullopt);
            auto token = WipeToken::decode(r.body);
            if (!token) {
                qCWarning(lcSync) << "wipe token malformed: ignored";
                return Q_EMIT finished(Outcome::Invalid, std::nullopt);
            }
            if (auto s =
                    verifyWipeToken(*token, m_target, m_context ? m_context() : WipeTokenContext{});
                !s) {
                qCWarning(lcSync).noquote() << "wipe token refused:" << s.error().message;
                return Q_EMIT finished(Outcome::Invalid, std::nullopt);
            }
            qCWarning(lcSync).noquote()
                << "verified wipe token, command" << token->commandId.toHex();
            Q_EMIT finished(Outcome::Wipe, *token);
        },
        "application/octet-stream", kWipeAnswerBytes);
}

void WipeCheck::postDone(const QByteArray &acknowledgement)
{
    const QByteArray path = "/v1/wipe/" + m_target.wipeId.toHex() + "/done";
    m_http.call(
        "POST", path, acknowledgement, std::nullopt, kWipeTimeoutMs,
        [this](const RelayReply &r) { Q_EMIT doneFinished(r.ok()); }, "application/octet-stream",
        kWipeAnswerBytes);
}

} // namespace liaison::client
