#pragma once

// DESIGN.md "Streams" (RESYNC_REQUEST if a gap is not filled within 1 h online): a Clock whose
// onlineMs counts the milliseconds spent online (connectivity not Offline) on the base clock's
// boot clock, so a gap timer does not run out while the device sits offline for a week. Wall,
// boot and boot id are the base clock's.

#include "clock/clock.h"
#include "connectivity.h"

#include <QPointer>

namespace liaison::client {

class OnlineStreamClock final : public QObject, public liaison::Clock
{
    Q_OBJECT
public:
    // Without a connectivity source every moment counts as online. `base` must outlive this.
    explicit OnlineStreamClock(const liaison::Clock &base, Connectivity *connectivity = nullptr,
                               QObject *parent = nullptr);

    [[nodiscard]] qint64 wallMs() const override { return m_base.wallMs(); }
    [[nodiscard]] qint64 bootMs() const override { return m_base.bootMs(); }
    [[nodiscard]] QByteArray bootId() const override { return m_base.bootId(); }
    [[nodiscard]] qint64 onlineMs() const override;

private:
    void onState(Connectivity::State state);

    const liaison::Clock &m_base;
    QPointer<Connectivity> m_connectivity;
    qint64 m_onlineBefore = 0; // online ms of closed online periods
    qint64 m_onlineSince = -1; // boot ms when the current online period began
};

} // namespace liaison::client
