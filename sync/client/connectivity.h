#pragma once

// Whether the device can reach the network, as the OS reports it (DESIGN.md "Device sync engine":
// a sync round runs when connectivity says online). The platform layer implements it
// (platform/networkinformationconnectivity.h over QNetworkInformation); tests and hosts
// without a backend use ManualConnectivity. Unknown means "no information": the engine then
// simply tries on its timer and backs off on failure.
//
// Metered (issue 11, "Metered links"): the OS says the link costs by volume (mobile data,
// roaming, a hotspot marked metered). The officer may choose to defer bulk sync then
// (SyncClient::setDeferBulkWhenMetered): only the priority lanes run.

#include <QObject>
#include <QString>

namespace liaison::client {

class Connectivity : public QObject
{
    Q_OBJECT
public:
    enum class State { Unknown, Offline, Online };
    Q_ENUM(State)

    using QObject::QObject;
    ~Connectivity() override = default;

    [[nodiscard]] virtual State state() const = 0;
    // The source of the information ("glib", "networkmanager", "manual", "none").
    [[nodiscard]] virtual QString backendName() const = 0;

    // Unknown counts as online: the engine tries and backs off.
    [[nodiscard]] bool mayBeOnline() const { return state() != State::Offline; }
    // The link is metered or roaming as the OS reports it; false when it cannot tell.
    [[nodiscard]] virtual bool metered() const { return false; }

Q_SIGNALS:
    void stateChanged(liaison::client::Connectivity::State state);
    void meteredChanged(bool metered);
};

// Set by hand: tests, hosts with no QNetworkInformation backend ("none": always Unknown).
class ManualConnectivity final : public Connectivity
{
    Q_OBJECT
public:
    explicit ManualConnectivity(State initial = State::Unknown,
                                QString name = QStringLiteral("manual"), QObject *parent = nullptr)
        : Connectivity(parent)
        , m_state(initial)
        , m_name(std::move(name))
    {}

    [[nodiscard]] State state() const override { return m_state; }
    [[nodiscard]] QString backendName() const override { return m_name; }
    [[nodiscard]] bool metered() const override { return m_metered; }

    void setMetered(bool metered)
    {
        if (metered == m_metered)
            return;
        m_metered = metered;
        Q_EMIT meteredChanged(metered);
    }

    void setState(State state)
    {
        if (state == m_state)
            return;
        m_state = state;
        Q_EMIT stateChanged(state);
    }

private:
    State m_state;
    QString m_name;
    bool m_metered = false;
};

} // namespace liaison::client
