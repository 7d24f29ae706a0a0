// The set-up bench_fresh_device and bench_peers share: a real liaison-relay (SQLite) on loopback,
// HQ, and a device that reaches the relay through a pass-through proxy counting every byte.
#pragma once

#include "../integration/e2eharness.h"
#include "testsupport.h"

#include <QTemporaryDir>

#include <memory>
#include <optional>

namespace liaison::bench {

struct FreshDeviceRig
{
    relaytest::Deployment dep;
    relaytest::RelayProcess relay;
    e2e::TestClock clock;
    e2e::HqNode hq{dep, clock};
    std::unique_ptr<test::FaultProxy> proxy;
    std::unique_ptr<e2e::DeviceNode> dev;
    QString error;

    // Starts the relay and opens HQ; its store and the relay's live in dir.
    [[nodiscard]] bool startHq(const QTemporaryDir &dir)
    {
        relaytest::Backend backend;
        backend.kind = QStringLiteral("sqlite");
        backend.sqlitePath = dir.filePath(QStringLiteral("relay.db"));
        backend.dbUrl = QStringLiteral("sqlite:") + backend.sqlitePath;
        m_backend = backend;
        if (!relay.start(dir, backend, dep, {QStringLiteral("--quiet")})) {
            error = QStringLiteral("relay did not start: ") + QString::fromUtf8(relay.logTail());
            return false;
        }
        if (!hq.open(dir.path())) {
            error = QStringLiteral("HQ did not open");
            return false;
        }
        hq.connectTo(e2e::endpointFor(dep, relay.port));
        return true;
    }

    // HQ creates `records` contacts of about 400 bytes in `scope` (the same in every bench).
    [[nodiscard]] bool addContacts(const QString &scope, int records)
    {
        for (int i = 0; i < records; ++i) {
            model::FieldMap f{
                {QStringLiteral("name"), QStringLiteral("Contact %1 Lastname").arg(i)},
                {QStringLiteral("organisation"), QStringLiteral("Federal Criminal Police Office")},
                {QStringLiteral("role"), QStringLiteral("Liaison officer")},
                {QStringLiteral("country"), QStringLiteral("AT")},
                {QStringLiteral("notes"), QStringLiteral("Met at the conference, prefers email; "
                                                         "reference %1")
                                              .arg(i * 7919)}};
            if (!hq.records->create(model::RecordType::Contact, scope, f)) {
                error = QStringLiteral("create failed");
                return false;
            }
        }
        return true;
    }

    // After HQ created the scope's records: a fresh device, behind the proxy, enrolled into
    // scope. HQ's own outbox of those creates is not what a fresh device receives (it gets
    // them in its RESYNC), so it is marked sent first. Without options: no long-poll, mailbox
    // reads of 1000.
    [[nodiscard]] bool enrolDevice(const QTemporaryDir &dir, const QString &scope,
                                   std::optional<client::SyncClientOptions> options = {})
    {
        auto count = hq.records->recordCount();
        if (auto p = hq.records->pendingOutbox(int(count ? *count : 0) + 10); p && !p->isEmpty())
            (void)hq.records->markSent(p->last().seq);
        proxy = std::make_unique<test::FaultProxy>(QStringLiteral("127.0.0.1"), relay.port);
        if (!proxy->listen()) {
            error = QStringLiteral("proxy did not listen");
            return false;
        }
        dev = std::make_unique<e2e::DeviceNode>(dep, clock);
        if (!dev->open(dir.path(), hq)) {
            error = QStringLiteral("device did not open");
            return false;
        }
        client::SyncClientOptions o;
        o.longPoll = false;
        o.engine.pullLimit = 1000;
        if (options)
            o = *options;
        dev->connectTo(e2e::endpointFor(dep, proxy->port()), o);
        if (!e2e::enrol(hq, *dev, {scope}) || !hq.syncOnce(120000)) {
            error = QStringLiteral("enrolment failed");
            return false;
        }
        return true;
    }

    // The relay again on the same storage and port (the proxy and HQ find it there), its clock
    // `offsetMs` ahead (--test-clock-offset-ms: what the relay stores now is stored that late).
    [[nodiscard]] bool restartRelay(const QTemporaryDir &dir, qint64 offsetMs)
    {
        const quint16 port = relay.port;
        relay.stop();
        relay.listenAddress = QStringLiteral("127.0.0.1:%1").arg(port);
        if (!relay.start(dir, m_backend, dep,
                         {QStringLiteral("--quiet"), QStringLiteral("--test-clock-offset-ms"),
                          QString::number(offsetMs)})) {
            error = QStringLiteral("relay did not restart: ") + QString::fromUtf8(relay.logTail());
            return false;
        }
        return true;
    }

    // Bytes on the device's socket since the last clearCapture(), both ways.
    [[nodiscard]] qint64 wireBytes() const
    {
        return proxy->clientBytes().size() + proxy->serverBytes().size();
    }

private:
    relaytest::Backend m_backend;
};

} // namespace liaison::bench
