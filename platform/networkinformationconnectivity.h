#pragma once

// client::Connectivity over QNetworkInformation (Qt Network). On this Debian only the `glib`
// backend loads (`networkmanager` needs a system bus); when none loads, load() returns nullptr and
// createConnectivity() falls back to an Unknown source.

#include "client/connectivity.h"

#include <QPointer>

#include <memory>

class QNetworkInformation;

namespace liaison::platform {

class NetworkInformationConnectivity final : public client::Connectivity
{
    Q_OBJECT
public:
    // Tries the platform default, then every available backend. nullptr if none loads.
    [[nodiscard]] static std::unique_ptr<NetworkInformationConnectivity>
    load(QObject *parent = nullptr);

    [[nodiscard]] State state() const override;
    [[nodiscard]] QString backendName() const override;
    [[nodiscard]] bool metered() const override;

private:
    NetworkInformationConnectivity(QNetworkInformation *info, QObject *parent);
    QPointer<QNetworkInformation> m_info;
    State m_last = State::Unknown;
    bool m_lastMetered = false;
};

} // namespace liaison::platform
