#include "networkinformationconnectivity.h"

#include "connectivity.h"

#include <QLoggingCategory>
#include <QNetworkInformation>

Q_LOGGING_CATEGORY(lcConnectivity, "liaison.platform.connectivity")

namespace liaison::platform {

namespace {

client::Connectivity::State fromReachability(QNetworkInformation::Reachability r)
{
    switch (r) {
    case QNetworkInformation::Reachability::Online:
    case QNetworkInformation::Reachability::Site:
    case QNetworkInformation::Reachability::Local:
        // Local and Site may still reach a relay on the same network; the engine tries.
        return client::Connectivity::State::Online;
    case QNetworkInformation::Reachability::Disconnected:
        return client::Connectivity::State::Offline;
    case QNetworkInformation::Reachability::Unknown:
        break;
    }
    return client::Connectivity::State::Unknown;
}

} // namespace

std::unique_ptr<NetworkInformationConnectivity>
NetworkInformationConnectivity::load(QObject *parent)
{
    bool loaded = QNetworkInformation::instance() != nullptr;
    if (!loaded)
        loaded = QNetworkInformation::loadDefaultBackend();
    if (!loaded) {
        for (const QString &name : QNetworkInformation::availableBackends()) {
            if (QNetworkInformation::loadBackendByName(name)) {
                loaded = true;
                break;
            }
        }
    }
    QNetworkInformation *info = QNetworkInformation::instance();
    if (!loaded || !info) {
        qCInfo(lcConnectivity) << "no QNetworkInformation backend loads";
        return nullptr;
    }
    qCInfo(lcConnectivity) << "connectivity from QNetworkInformation backend"
                           << info->backendName();
    return std::unique_ptr<NetworkInformationConnectivity>(
        new NetworkInformationConnectivity(info, parent));
}

NetworkInformationConnectivity::NetworkInformationConnectivity(QNetworkInformation *info,
                                                               QObject *parent)
    : client::Connectivity(parent)
    , m_info(info)
{
    m_last = state();
    connect(info, &QNetworkInformation::reachabilityChanged, this, [this] {
        const State s = state();
        if (s == m_last)
            return;
        m_last = s;
        Q_EMIT stateChanged(s);
    });
    // Metered (Qt 6.3+): Android's NET_CAPABILITY_NOT_METERED (roaming and mobile data are
    // metered), NetworkManager / GNetworkMonitor's metered flag; a backend that cannot tell says
    // unmetered.
    m_lastMetered = metered();
    connect(info, &QNetworkInformation::isMeteredChanged, this, [this] {
        const bool m = metered();
        if (m == m_lastMetered)
            return;
        m_lastMetered = m;
        Q_EMIT meteredChanged(m);
    });
}

bool NetworkInformationConnectivity::metered() const
{
    return m_info && m_info->supports(QNetworkInformation::Feature::Metered) && m_info->isMetered();
}

client::Connectivity::State NetworkInformationConnectivity::state() const
{
    if (!m_info)
        return State::Unknown;
    return fromReachability(m_info->reachability());
}

QString NetworkInformationConnectivity::backendName() const
{
    return m_info ? m_info->backendName() : QStringLiteral("none");
}

std::unique_ptr<client::Connectivity> createConnectivity(QObject *parent)
{
    if (auto n = NetworkInformationConnectivity::load(parent))
        return n;
    return std::make_unique<client::ManualConnectivity>(client::Connectivity::State::Unknown,
                                                        QStringLiteral("none"), parent);
}

} // namespace liaison::platform
