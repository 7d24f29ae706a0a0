#pragma once

// Header-only test fixture: HQ (records + device registry + fan-out) and devices as
// ModelReplicas, with in-process delivery of HQ's messages straight into the device's
// RecordStore (decoded from CBOR exactly as the device applier does).

#include "hq/deviceregistry.h"
#include "hq/hqfanout.h"
#include "model/payloads.h"
#include "modelreplica.h"

#include <QMap>

#include <memory>

namespace liaison::test {

struct HqFixture
{
    ModelReplica hq;
    std::unique_ptr<hq::DeviceRegistry> registry;
    std::unique_ptr<hq::HqFanout> fanout;
    QMap<QByteArray, ModelReplica *> devices;

    [[nodiscard]] Status open(const QString &dir, const crypto::Id16 &hqId = idOf(0xf0))
    {
        if (auto s = hq.open(dir, QStringLiteral("hq"), hqId, model::ReplicaRole::Hq,
                             hq::DeviceRegistry::migrations());
            !s)
            return s;
        registry = std::make_unique<hq::DeviceRegistry>(*hq.db);
        if (auto s = registry->open(); !s)
            return s;
        fanout = std::make_unique<hq::HqFanout>(*hq.records, *registry);
        return {};
    }

    // Enrols (active) and opens a device replica with the given scopes at HQ; the device gets
    // its scopes through SCOPE_JOIN, as it would.
    [[nodiscard]] Status addDevice(ModelReplica &dev, const QString &dir, std::uint8_t id,
                                   const QStringList &scopes)
    {
        if (auto s = dev.open(dir, QStringLiteral("dev%1").arg(id), idOf(id),
                              model::ReplicaRole::Device);
            !s)
            return s;
        dev.clock.setWall(hq.clock.wallMs());
        hq::DeviceRecord rec;
        rec.id = idOf(id);
        rec.signKey.bytes.fill(id);
        rec.boxKey.bytes.fill(std::uint8_t(id + 1));
        rec.state = streams::PeerState::Active;
        if (auto s = registry->addDevice(rec); !s)
            return s;
        devices.insert(rec.id.toByteArray(), &dev);
        for (const QString &scope : scopes) {
            auto join = fanout->addMember(rec.id, scope);
            if (!join)
                return std::unexpected(join.error());
            if (auto s = deliver(*join); !s)
                return s;
        }
        return {};
    }

    // Applies one message to its device, as DeviceApplier::apply does.
    [[nodiscard]] static Status applyTo(model::RecordStore &records, const hq::Outgoing &m)
    {
        const auto st = [](const auto &r) -> Status {
            if (!r)
                return std::unexpected(r.error());
            return {};
        };
        switch (m.kind) {
        case streams::Kind::Delta: {
            auto p = model::DeltaPayload::fromCbor(m.payload);
            return p ? st(records.applyRemoteBatch(p->ops)) : st(p);
        }
        case streams::Kind::ScopeJoin: {
            auto p = model::ScopeJoinPayload::fromCbor(m.payload);
            return p ? st(records.applyScopeJoin(*p)) : st(p);
        }
        case streams::Kind::ScopeLeave: {
            auto p = model::ScopeLeavePayload::fromCbor(m.payload);
            return p ? records.applyScopeLeave(*p) : st(p);
        }
        case streams::Kind::Reject: {
            auto p = model::RejectPayload::fromCbor(m.payload);
            return p ? st(records.applyReject(*p)) : st(p);
        }
        default:
            return fail(Errc::InvalidArgument, QStringLiteral("unexpected kind"));
        }
    }

    [[nodiscard]] Status deliver(const QList<hq::Outgoing> &messages)
    {
        for (const hq::Outgoing &m : messages) {
            ModelReplica *dev = devices.value(m.device.toByteArray());
            if (!dev)
                return fail(Errc::NotFound, QStringLiteral("message for an unknown device"));
            if (auto s = applyTo(*dev->records, m); !s)
                return s;
        }
        return {};
    }

    // The device's pending outbox, taken (marked sent) as its next DELTA.
    [[nodiscard]] static QList<model::Operation> take(ModelReplica &dev)
    {
        QList<model::Operation> ops;
        auto pending = dev.records->pendingOutbox();
        if (!pending || pending->isEmpty())
            return ops;
        for (const model::OutboxEntry &e : *pending)
            ops.append(e.op);
        static_cast<void>(dev.records->markSent(pending->last().seq));
        return ops;
    }

    // HQ's own edits, fanned out and delivered.
    [[nodiscard]] Status publish()
    {
        auto r = fanout->publishLocalEdits();
        if (!r)
            return std::unexpected(r.error());
        return deliver(r->messages);
    }
};

} // namespace liaison::test
