#pragma once

// The product StreamClock: the wall clock, and a count of milliseconds spent online (connectivity
// not Offline) on the monotonic clock, so a gap timer does not run out while the device sits
// offline for a week (DESIGN.md "Streams": RESYNC_REQUEST if not filled within 1 h online).

#include "connectivity.h"
#include "streams/clock.h"

#include <QElapsedTimer>
#include <QPointer>

namespace liaison::client {

class OnlineStreamClock final : public QObject, public streams::StreamClock
{
    Q_OBJECT
public:
    // Without a connectivity source every moment counts as online.
    explicit OnlineStreamClock(Connectivity *connectivity = nullptr, QObject *parent = nullptr);

    [[nodiscard]] std::int64_t nowMs() const override;
    [[nodiscard]] std::int64_t onlineMs() const override;

private:
    void onState(Connectivity::State state);

    QPointer<Connectivity> m_connectivity;
    QElapsedTimer m_monotonic;
    std::int64_t m_onlineBefore = 0; // online ms of closed online periods
    std::int64_t m_onlineSince = -1; // monotonic ms when the current online period began
};

} // namespace liaison::client
