#include "hq/hqfanout.h"
#include "errorforward.h"

#include "model/urgency.h"
#include "streams/savepoint.h"
#include "streams/streamoutbox.h"

#include <QCborArray>
#include <QHash>
#include <QLoggingCategory>
#include <QMap>

Q_DECLARE_LOGGING_CATEGORY(lcHq)

namespace liaison::hq {

using model::Operation;
using streams::Kind;

namespace {
// What a RESYNC carries (the device's scopes and their records) or makes moot (a REJECT needs
// an operation the device sent, on an `up` stream only a RESYNC opens).
bool supersededByResync(Kind kind)
{
    return kind == Kind::Delta || kind == Kind::ScopeJoin || kind == Kind::ScopeLeave ||
           kind == Kind::Reject;
}
} // namespace

HqFanout::HqFanout(model::RecordStore &records, DeviceRegistry &devices)
    : m_records(records)
    , m_devices(devices)
    , m_validator(records, devices)
    , m_held(records.db())
    , m_rejects(records.db())
{}

Status HqFanout::fanOut(const QList<Operation> &ops, const Id16 *exclude, QList<Outgoing> &out)
{
    // Per target, the operations in order; targets in id order so the output is deterministic.
    QMap<QByteArray, QList<Operation>> perTarget;
    QHash<QString, QList<Id16>> membersCache;
    for (const Operation &op : ops) {
        auto found = membersCache.find(op.scope);
        if (found == membersCache.end()) {
            auto members = m_devices.membersOf(op.scope, PeerState::Active);
            if (!members)
                return std::unexpected(members.error());
            found = membersCache.insert(op.scope, *members);
        }
        for (const Id16 &member : *found) {
            if (exclude && member == *exclude)
                continue;
            perTarget[member.toByteArray()].append(op);
        }
    }
    for (auto it = perTarget.cbegin(); it != perTarget.cend(); ++it) {
        const Id16 target = *Id16::fromBytes(it.key());
        for (const QList<Operation> &chunk : model::chunkOperations(it.value(), m_maxPayloadBytes))
            out.append(Outgoing{target, Kind::Delta, model::DeltaPayload{chunk}.toCbor()});
    }
    return {};
}

Result<FanoutResult> HqFanout::acceptDeviceOps(const Id16 &sender, std::span<const Operation> ops,
                                               qint64 hqNowMs,
                                               std::optional<protocol::StreamHead> sentIn)
{
    FanoutResult result;
    streams::Savepoint sp(m_records.db());
    if (auto s = sp.begin(); !s)
        return std::unexpected(s.error());
    QList<Operation> accepted;
    // Tombstones the sender gets back: each raised HQ's tombstone of a record already deleted.
    // A device whose own deletion was refused (and undone) before it sent it again must end
    // with HQ's stamp too.
    QList<Operation> echo;
    // Per-device quota: operations beyond it in this window are refused with Quota.
    const qint64 window = m_opQuotaWindowMs > 0 ? hqNowMs / m_opQuotaWindowMs : 0;
    auto used = m_devices.takeOps(sender, window, qint64(ops.size()));
    if (!used)
        return forwardError(used);
    qint64 taken = *used;
    for (const Operation &op : ops) {
        // One at a time: an operation may depend on an earlier one of the same delta (a report
        // created, then edited).
        auto verdict = ++taken > m_opQuota
                           ? Result<Verdict>(Verdict{false, model::RejectReason::Quota})
                           : m_validator.check(sender, op, hqNowMs);
        if (!verdict)
            return forwardError(verdict);
        if (verdict->accepted &&
            model::writerRule(op.type) == model::WriterRule::HqAndScopeMembers) {
            // Shared records: HQ remembers who created each one; a device's tombstone of one
            // it did not create waits for the desk (DESIGN.md "Data").
            auto header = m_records.header(op.recordId);
            if (!header)
                return forwardError(header);
            if (!*header) {
                if (auto s = m_held.setCreator(op.recordId, sender); !s)
                    return std::unexpected(s.error());
            } else if (op.tombstone && (*header)->tombstone) {
                if (op.stamp > *(*header)->tombstone)
                    echo.append(op);
            } else if (op.tombstone) {
                auto creator = m_held.creator(op.recordId);
                if (!creator)
                    return forwardError(creator);
                if (*creator != sender) {
                    auto held = m_held.hold(sender, op, hqNowMs);
                    if (!held)
                        return forwardError(held);
                    ++result.held;
                    continue;
                }
            }
        }
        if (verdict->accepted) {
            auto applied = m_records.applyRemote(op);
            if (applied) {
                accepted.append(op);
                ++result.accepted;
                continue;
            }
            if (applied.error().code != Errc::Refused && applied.error().code != Errc::Malformed &&
                applied.error().code != Errc::InvalidArgument)
                return forwardError(applied);
            verdict->accepted = false;
            verdict->reason = model::RejectReason::Invalid;
        }
        auto reject = m_validator.rejectFor(sender, op, verdict->reason);
        if (!reject)
            return forwardError(reject);
        reject->sentIn = sentIn;
        // Kept for the desk's review, in the transaction that queues the REJECT.
        if (auto kept = m_rejects.record(sender, op, verdict->reason, hqNowMs); !kept)
            return forwardError(kept);
        result.messages.append(Outgoing{sender, Kind::Reject, reject->toCbor()});
        result.reasons.append(verdict->reason);
        ++result.rejected;
    }
    if (auto s = fanOut(accepted, &sender, result.messages); !s)
        return std::unexpected(s.error());
    if (!echo.isEmpty())
        result.messages.append(Outgoing{sender, Kind::Delta, model::DeltaPayload{echo}.toCbor()});
    if (auto s = sp.release(); !s)
        return std::unexpected(s.error());
    qCDebug(lcHq) << "device delta:" << result.accepted << "accepted," << result.rejected
                  << "rejected," << result.held << "held," << result.messages.size() << "messages";
    return result;
}

Result<FanoutResult> HqFanout::publishLocalEdits()
{
    FanoutResult result;
    streams::Savepoint sp(m_records.db());
    if (auto s = sp.begin(); !s)
        return std::unexpected(s.error());
    auto pending = m_records.pendingOutbox(std::numeric_limits<int>::max());
    if (!pending)
        return forwardError(pending);
    if (pending->isEmpty())
        return result;
    QList<Operation> ops;
    for (const model::OutboxEntry &e : *pending)
        ops.append(e.op);
    if (auto s = fanOut(ops, nullptr, result.messages); !s)
        return std::unexpected(s.error());
    if (auto s = m_records.markSent(pending->last().seq); !s)
        return std::unexpected(s.error());
    if (auto s = sp.release(); !s)
        return std::unexpected(s.error());
    result.accepted = int(ops.size());
    return result;
}

Result<QList<Outgoing>> HqFanout::scopeJoin(const Id16 &device, const QString &scope)
{
    auto snapshot = m_records.snapshot({scope});
    if (!snapshot)
        return forwardError(snapshot);
    const QList<QList<Operation>> parts = model::chunkOperations(*snapshot, m_maxPayloadBytes);
    QList<Outgoing> out;
    for (qsizetype i = 0; i < parts.size(); ++i) {
        model::ScopeJoinPayload join{scope, int(i + 1), int(parts.size()), parts[i]};
        out.append(Outgoing{device, Kind::ScopeJoin, join.toCbor()});
    }
    return out;
}

Result<QList<Outgoing>> HqFanout::addMember(const Id16 &device, const QString &scope)
{
    auto d = m_devices.device(device);
    if (!d)
        return forwardError(d);
    if (!*d)
        return fail(Errc::NotFound, QStringLiteral("hq: no such device"));
    if ((*d)->state == PeerState::WipeOnly || (*d)->state == PeerState::Revoked)
        return fail(Errc::Refused, QStringLiteral("hq: the device is revoked"));
    auto added = m_devices.addMember(device, scope);
    if (!added)
        return forwardError(added);
    // A pending device gets its scopes with the RESYNC that confirms it. Already a member: the
    // join is built again (a retry after a crash that lost it).
    if ((*d)->state != PeerState::Active)
        return QList<Outgoing>();
    return scopeJoin(device, scope);
}

Status HqFanout::addMember(streams::StreamOutbox &outbox, const Id16 &device, const QString &scope)
{
    streams::Savepoint sp(m_records.db());
    if (auto s = sp.begin(); !s)
        return s;
    auto join = addMember(device, scope);
    if (!join)
        return std::unexpected(join.error());
    if (auto s = enqueue(outbox, *join); !s)
        return s;
    return sp.release();
}

Status HqFanout::removeMember(streams::StreamOutbox &outbox, const Id16 &device,
                              const QString &scope)
{
    streams::Savepoint sp(m_records.db());
    if (auto s = sp.begin(); !s)
        return s;
    auto leave = removeMember(device, scope);
    if (!leave)
        return std::unexpected(leave.error());
    if (auto s = enqueue(outbox, *leave); !s)
        return s;
    return sp.release();
}

Result<QList<Outgoing>> HqFanout::removeMember(const Id16 &device, const QString &scope)
{
    auto d = m_devices.device(device);
    if (!d)
        return forwardError(d);
    if (!*d)
        return fail(Errc::NotFound, QStringLiteral("hq: no such device"));
    auto removed = m_devices.removeMember(device, scope);
    if (!removed)
        return forwardError(removed);
    // Sent again when the membership was already gone (a retry after a crash that lost the
    // LEAVE). A revoked device gets nothing: its memberships went with the revocation.
    QList<Outgoing> out;
    if ((*d)->state == PeerState::Active)
        out.append(Outgoing{device, Kind::ScopeLeave, model::ScopeLeavePayload{scope}.toCbor()});
    return out;
}

Result<streams::ResyncContent> HqFanout::resyncContent(const Id16 &device)
{
    auto scopes = m_devices.scopesOf(device);
    if (!scopes)
        return forwardError(scopes);
    auto snapshot = m_records.snapshot(*scopes);
    if (!snapshot)
        return forwardError(snapshot);
    streams::ResyncContent out;
    out.scopes = *scopes;
    out.ops = model::operationsToCbor(*snapshot);
    return out;
}

Result<QList<HeldDelete>> HqFanout::heldDeletes() const
{
    auto held = m_held.list();
    if (!held)
        return forwardError(held);
    for (HeldDelete &h : *held) {
        auto current = m_records.record(h.record);
        if (!current)
            return forwardError(current);
        h.current = std::move(*current);
    }
    return held;
}

Status HqFanout::acceptHeldDelete(streams::StreamOutbox &outbox, qint64 id)
{
    streams::Savepoint sp(m_records.db());
    if (auto s = sp.begin(); !s)
        return s;
    auto held = m_held.find(id);
    if (!held)
        return std::unexpected(held.error());
    if (!*held)
        return fail(Errc::NotFound, QStringLiteral("hq: no such held deletion"));
    // Every deletion of the record held (from this or other devices) goes with it, so each
    // deleting device's tombstone is in HQ's state.
    const model::RecordId record = (*held)->record;
    auto all = m_held.list();
    if (!all)
        return std::unexpected(all.error());
    QList<Operation> ops;
    for (const HeldDelete &h : *all) {
        if (h.record != record)
            continue;
        if (auto applied = m_records.applyRemote(h.op); !applied)
            return std::unexpected(applied.error());
        ops.append(h.op);
    }
    QList<Outgoing> out;
    // The deleting devices too: a RESYNC meanwhile may have given them the record back.
    if (auto s = fanOut(ops, nullptr, out); !s)
        return s;
    if (auto s = enqueue(outbox, out); !s)
        return s;
    if (auto s = m_held.dropRecord(record); !s)
        return s;
    qCInfo(lcHq) << "desk accepted held deletion" << id;
    return sp.release();
}

Status HqFanout::refuseHeldDelete(streams::StreamOutbox &outbox, qint64 id)
{
    streams::Savepoint sp(m_records.db());
    if (auto s = sp.begin(); !s)
        return s;
    auto held = m_held.find(id);
    if (!held)
        return std::unexpected(held.error());
    if (!*held)
        return fail(Errc::NotFound, QStringLiteral("hq: no such held deletion"));
    auto reject =
        m_validator.rejectFor((*held)->device, (*held)->op, model::RejectReason::DeleteRefused);
    if (!reject)
        return std::unexpected(reject.error());
    if (auto s = enqueue(outbox, {Outgoing{(*held)->device, Kind::Reject, reject->toCbor()}}); !s)
        return s;
    if (auto s = m_held.drop(id); !s)
        return s;
    qCInfo(lcHq) << "desk refused held deletion" << id;
    return sp.release();
}

Result<std::optional<QCborMap>> HqFanout::refreshReject(const Id16 &device,
                                                        const QCborMap &payload) const
{
    auto reject = model::RejectPayload::fromCbor(payload);
    if (!reject)
        return forwardError(reject);
    const Operation &op = reject->op;
    auto state = m_records.record(op.recordId);
    if (!state)
        return forwardError(state);
    if (*state) {
        // Is the operation in HQ's state after all (the device sent it again, or the desk
        // accepted it)? Then the refusal no longer stands.
        const model::RecordState &s = **state;
        bool taken = false;
        if (op.tombstone) {
            taken = s.deleted && s.tombstone == op.stamp;
        } else if (!s.deleted && !op.fields.isEmpty()) {
            taken = true;
            for (auto it = op.fields.cbegin(); it != op.fields.cend(); ++it) {
                const auto f = s.fields.constFind(it.key());
                taken = taken && f != s.fields.cend() && f->stamp == op.stamp;
            }
        }
        if (taken)
            return std::optional<QCborMap>();
    }
    auto fresh = m_validator.rejectFor(device, op, reject->reason);
    if (!fresh)
        return forwardError(fresh);
    fresh->sentIn = reject->sentIn;
    return std::optional<QCborMap>(fresh->toCbor());
}

namespace {

// Whether a REJECT answers an operation on a record that travels on the priority lanes.
bool urgentReject(const QCborMap &payload)
{
    const auto reject = protocol::RejectPayload::fromCbor(payload);
    if (!reject)
        return false;
    const auto op = Operation::fromCbor(reject->op);
    return op && model::isUrgentRecordType(op->type);
}

} // namespace

Result<int> HqFanout::promoteUrgent(streams::StreamOutbox &outbox, const Id16 &device)
{
    auto usable = outbox.priorityLaneUsable(device);
    if (!usable)
        return forwardError(usable);
    if (!*usable)
        return 0;
    auto waiting = outbox.takePromotable(device);
    if (!waiting)
        return forwardError(waiting);
    int promoted = 0;
    for (const streams::StreamOutbox::Promotable &p : *waiting) {
        if (p.kind != Kind::Delta)
            continue;
        auto delta = model::DeltaPayload::fromCbor(p.payload);
        if (!delta)
            continue; // (HQ sealed it: cannot happen)
        const model::LaneSplit split = model::splitByLane(delta->ops);
        if (split.urgent.isEmpty())
            continue;
        auto allowed = outbox.mayReceive(device, Kind::Delta, p.payload);
        if (!allowed)
            return forwardError(allowed);
        if (!*allowed)
            return promoted; // cut off meanwhile: nothing more for it
        auto queued =
            outbox.enqueue(device, Kind::Delta, model::DeltaPayload{split.urgent}.toCbor(),
                           streams::Lane::Priority);
        if (!queued)
            return forwardError(queued);
        ++promoted;
    }
    if (promoted > 0)
        qCInfo(lcHq) << "sealed again on down!:" << promoted
                     << "urgent DELTA(s) waiting on down behind the snapshot";
    return promoted;
}

Status HqFanout::enqueue(streams::StreamOutbox &outbox, const QList<Outgoing> &messages)
{
    QHash<QByteArray, bool> open;     // recipient -> its `down` stream is open
    QHash<QByteArray, bool> priority; // recipient -> `down!` may be used (priorityLaneUsable)
    QHash<QByteArray, bool> mayOpen;  // recipient -> `down!` may open later (no RECEIPT yet, or
                                      // one announcing the lanes)
    auto laneMayOpen = [&](const Id16 &device) -> Result<bool> {
        auto found = mayOpen.find(device.toByteArray());
        if (found == mayOpen.end()) {
            auto features = outbox.peerFeatures(device);
            if (!features)
                return std::unexpected(features.error());
            const bool may =
                !*features || (**features & protocol::ReceiptPayload::kFeaturePriorityLanes) != 0;
            found = mayOpen.insert(device.toByteArray(), may);
        }
        return *found;
    };
    auto usable = [&](const Id16 &device) -> Result<bool> {
        auto found = priority.find(device.toByteArray());
        if (found == priority.end()) {
            auto ok = outbox.priorityLaneUsable(device);
            if (!ok)
                return std::unexpected(ok.error());
            found = priority.insert(device.toByteArray(), *ok);
        }
        return *found;
    };
    for (const Outgoing &m : messages) {
        // A recipient revoked or quarantined meanwhile gets nothing (the outbox refuses anyway).
        auto allowed = outbox.mayReceive(m.device, m.kind, m.payload);
        if (!allowed)
            return std::unexpected(allowed.error());
        if (!*allowed)
            continue;
        if (supersededByResync(m.kind)) {
            // A device whose `down` stream is not open (enrolled, its first RESYNC not sealed
            // yet; or HQ restored, its RESYNC not sealed yet) gets its scopes and records with
            // that RESYNC, built when it is sealed; the fan-out to everyone else goes on.
            auto found = open.find(m.device.toByteArray());
            if (found == open.end()) {
                auto isOpen = outbox.isOpen(m.device);
                if (!isOpen)
                    return std::unexpected(isOpen.error());
                found = open.insert(m.device.toByteArray(), *isOpen);
            }
            if (!*found) {
                qCDebug(lcHq) << "no down stream yet: left to the device's first RESYNC";
                continue;
            }
        }
        // The lane (DESIGN.md "Streams"): commands, and DELTAs and REJECTs of urgent records
        // (model/urgency.h) on `down!` when the device may be sent anything there; a DELTA
        // that mixes both is split.
        const bool candidate = m.kind == Kind::Command || m.kind == Kind::Delta ||
                               (m.kind == Kind::Reject && urgentReject(m.payload));
        bool onPriority = false;
        if (candidate) {
            auto ok = usable(m.device);
            if (!ok)
                return std::unexpected(ok.error());
            onPriority = *ok;
        }
        if (onPriority && m.kind == Kind::Delta) {
            auto delta = model::DeltaPayload::fromCbor(m.payload);
            if (!delta)
                return std::unexpected(delta.error());
            const model::LaneSplit split = model::splitByLane(delta->ops);
            if (!split.bulk.isEmpty()) {
                auto queued =
                    outbox.enqueue(m.device, Kind::Delta, model::DeltaPayload{split.bulk}.toCbor());
                if (!queued)
                    return std::unexpected(queued.error());
            }
            if (!split.urgent.isEmpty()) {
                auto queued = outbox.enqueue(m.device, Kind::Delta,
                                             model::DeltaPayload{split.urgent}.toCbor(),
                                             streams::Lane::Priority);
                if (!queued)
                    return std::unexpected(queued.error());
            }
            continue;
        }
        auto queued = outbox.enqueue(m.device, m.kind, m.payload,
                                     onPriority ? streams::Lane::Priority : streams::Lane::Bulk);
        if (!queued)
            return std::unexpected(queued.error());
        if (candidate && !onPriority && m.kind == Kind::Delta) {
            // Urgent operations behind `down` for now: promoteUrgent may send them on `down!`
            // once it opens.
            auto may = laneMayOpen(m.device);
            if (!may)
                return std::unexpected(may.error());
            if (*may) {
                auto delta = model::DeltaPayload::fromCbor(m.payload);
                if (!delta)
                    return std::unexpected(delta.error());
                if (!model::splitByLane(delta->ops).urgent.isEmpty()) {
                    if (auto s = outbox.markPromotable(m.device, queued->stream.epoch, queued->seq);
                        !s)
                        return s;
                }
            }
        }
    }
    return {};
}

} // namespace liaison::hq
