#pragma once

// The wipe check of DESIGN.md "Commands, remote wipe": at every start and resume, before the
// passphrase is asked for (it needs no vault), GET /v1/wipe/{wipe id} (unauthenticated, tiny).
// A token that verifies against the plain wipe file orders the wipe; anything else (404, a
// token that does not verify, no network) does not. After the wipe, the stored COMMAND_ACK goes
// to POST /v1/wipe/{wipe id}/done.

#include "relayhttp.h"
#include "wipetoken.h"

#include <QObject>

#include <functional>

namespace liaison::client {

class WipeCheck final : public QObject
{
    Q_OBJECT
public:
    enum class Outcome {
        NoToken,     // 404: nothing published
        Wipe,        // a verified token: wipe now
        Invalid,     // a token that does not verify (logged; not obeyed)
        Unreachable, // no answer or an unexpected status: check again later
    };
    Q_ENUM(Outcome)

    WipeCheck(RelayHttp &http, WipeTarget target, QObject *parent = nullptr);

    // What a token is judged by (HQ time bound, lowest serial not retired); asked at each
    // answer. Without one only the token's own certificate bounds it.
    void setContextSource(std::function<WipeTokenContext()> source)
    {
        m_context = std::move(source);
    }
    void check();
    void postDone(const QByteArray &acknowledgement);
    [[nodiscard]] bool running() const { return m_handle != 0; }
    [[nodiscard]] const WipeTarget &target() const { return m_target; }

Q_SIGNALS:
    // token is set for Outcome::Wipe.
    void finished(liaison::client::WipeCheck::Outcome outcome,
                  const std::optional<liaison::client::WipeToken> &token);
    void doneFinished(bool ok);

private:
    RelayHttp &m_http;
    WipeTarget m_target;
    quint64 m_handle = 0;
    std::function<WipeTokenContext()> m_context;
};

} // namespace liaison::client
