#pragma once

// HQ as the one validator and fan-out point of the star (DESIGN.md "Topology"):
//  - a device's DELTA: every operation is checked (HqValidator) in order; accepted ones are merged
//    into HQ's records and re-published, origin and stamp unchanged, to every OTHER active member
//    of the scope; refused ones are answered with a REJECT to the sender;
//  - HQ's own edits (its RecordStore outbox) go to every active member of their scope;
//  - membership: a new member gets SCOPE_JOIN with the scope's snapshot in parts of bounded size,
//    a removed one SCOPE_LEAVE; a revoked or wipe-only device gets nothing more;
//  - RESYNC content for one device: its scopes and their full snapshot;
//  - a device's tombstone of a shared record it did not create is held for the desk (DESIGN.md
//    "Data"), never applied or fanned out on the device's word: heldDeletes(),
//    acceptHeldDelete(), refuseHeldDelete();
//  - every REJECT it decides for a device's operation is kept for the desk's review (rejects()).
// The output is a list of messages per target device; the stream outbox seals them (enqueue()).
// Every call runs in one SAVEPOINT, so it commits with the receiver's transaction when called
// from the applier.

#include "error.h"
#include "hq/deviceregistry.h"
#include "hq/helddeletes.h"
#include "hq/hqrejects.h"
#include "hq/hqvalidator.h"
#include "model/operation.h"
#include "model/payloads.h"
#include "model/recordstore.h"
#include "streams/applier.h"
#include "streams/streamtypes.h"

#include <QCborMap>
#include <QList>

#include <span>

namespace liaison::streams {
class StreamOutbox;
}

namespace liaison::hq {

struct Outgoing
{
    Id16 device; // recipient
    streams::Kind kind = streams::Kind::Delta;
    QCborMap payload;
};

struct FanoutResult
{
    QList<Outgoing> messages;
    int accepted = 0;
    int rejected = 0;
    int held = 0;                       // tombstones of shared records held for the desk
    QList<model::RejectReason> reasons; // of the rejected operations, in order
};

class HqFanout
{
public:
    // Encoded operations per DELTA / SCOPE_JOIN part: the body then fits a 64 KiB bucket.
    static constexpr qsizetype kDefaultMaxPayloadBytes = 48 * 1024;

    HqFanout(model::RecordStore &records, DeviceRegistry &devices);

    void setMaxPayloadBytes(qsizetype bytes) { m_maxPayloadBytes = bytes; }
    // Per-device operation quota (review M4): at most `maxOps` operations of one device are
    // accepted per `windowMs` of HQ's clock; the rest are REJECTed with RejectReason::Quota.
    static constexpr int kDefaultOpQuota = 10'000;
    static constexpr qint64 kDefaultOpQuotaWindowMs = 60ll * 60 * 1000;
    void setOpQuota(int maxOps, qint64 windowMs)
    {
        m_opQuota = maxOps;
        m_opQuotaWindowMs = windowMs;
    }
    [[nodiscard]] const HqValidator &validator() const { return m_validator; }
    [[nodiscard]] model::RecordStore &records() { return m_records; }
    [[nodiscard]] DeviceRegistry &devices() { return m_devices; }
    [[nodiscard]] HqRejects &rejects() { return m_rejects; }

    // `sentIn`: the device's `up` envelope that carried `ops`; every REJECT names it, so the
    // device can tell a refusal of an operation it has sent again since (re-issued after a
    // RESYNC) from a refusal of its last copy.
    [[nodiscard]] Result<FanoutResult>
    acceptDeviceOps(const Id16 &sender, std::span<const model::Operation> ops, qint64 hqNowMs,
                    std::optional<protocol::StreamHead> sentIn = std::nullopt);
    // Drains HQ's own outbox into DELTAs for the members of each operation's scope.
    [[nodiscard]] Result<FanoutResult> publishLocalEdits();

    // Membership changes and what they send. Retryable: the SCOPE_JOIN (with the snapshot) or
    // SCOPE_LEAVE is built even when the membership is already in the target state, so a desk
    // that retries after a crash still gets the device to hold exactly its scopes. A pending
    // device gets its scopes with the RESYNC that confirms it; a revoked one is refused.
    [[nodiscard]] Result<QList<Outgoing>> addMember(const Id16 &device, const QString &scope);
    [[nodiscard]] Result<QList<Outgoing>> removeMember(const Id16 &device, const QString &scope);
    // The same, with the registry change and the sealing of its SCOPE_JOIN / SCOPE_LEAVE into
    // `outbox` in one transaction: a crash leaves both or neither (review M3).
    [[nodiscard]] Status addMember(streams::StreamOutbox &outbox, const Id16 &device,
                                   const QString &scope);
    [[nodiscard]] Status removeMember(streams::StreamOutbox &outbox, const Id16 &device,
                                      const QString &scope);
    // SCOPE_JOIN parts of one scope for one device (also used after enrolment confirmation).
    [[nodiscard]] Result<QList<Outgoing>> scopeJoin(const Id16 &device, const QString &scope);

    // RESYNC's records part for a device: its scopes and every record of them as operations
    // (the stream layer splits them into parts).
    [[nodiscard]] Result<streams::ResyncContent> resyncContent(const Id16 &device);

    // ---- held deletions (issue 8 point 9; the desk's commands) ----
    // Every deletion waiting for the desk, oldest first, each with HQ's current record.
    [[nodiscard]] Result<QList<HeldDelete>> heldDeletes() const;
    // Accepted: the tombstone is applied at HQ and sent to every active member of the scope
    // (the deleting device included); every other deletion of the record held goes with it.
    // One transaction with the sealing. NotFound for an id not (or no longer) held.
    [[nodiscard]] Status acceptHeldDelete(streams::StreamOutbox &outbox, qint64 id);
    // Refused: the device gets REJECT DeleteRefused with HQ's record (so it has the record
    // again and its officer sees the refusal); nothing changes at HQ. NotFound as above.
    [[nodiscard]] Status refuseHeldDelete(streams::StreamOutbox &outbox, qint64 id);

    // A REJECT sealed for `device` before a RESYNC, sent again in the new epoch: HQ's answer as
    // of now (its current record), or nullopt when the operation is in HQ's state after all.
    [[nodiscard]] Result<std::optional<QCborMap>> refreshReject(const Id16 &device,
                                                                const QCborMap &reject) const;

    // Seals each message into the recipient's `down` stream. A DELTA, SCOPE_JOIN, SCOPE_LEAVE
    // or REJECT for a device whose `down` stream is not open (active, its first RESYNC not
    // sealed yet, or HQ restored: StreamOutbox::isOpen) is left out: that RESYNC carries its
    // scopes and records.
    // A DELTA with urgent operations sealed on `down` because `down!` was not usable yet is
    // noted (StreamOutbox::markPromotable) for promoteUrgent, for a device that may still open
    // the lane (no RECEIPT yet, or one announcing the lanes).
    [[nodiscard]] static Status enqueue(streams::StreamOutbox &outbox,
                                        const QList<Outgoing> &messages);

    // Issue 13 (a fresh device on a thin link): once `down!` is usable for `device` (its
    // RECEIPT shows the RESYNC's first part applied: protocol::kFeaturePriorityDuringSnapshot),
    // the urgent operations of the DELTAs noted by enqueue that it has not applied yet are
    // sealed again on `down!`, so they do not wait behind the rest of the snapshot. The bulk
    // copies still go: applied after them they change nothing (each operation carries its
    // per-field stamps), and the device's `down!` envelopes survive the snapshot's last part
    // (Receiver::remergePriority). Each DELTA once. HqApplier calls it on every RECEIPT.
    // Returns the number of DELTAs sealed on `down!`.
    [[nodiscard]] static Result<int> promoteUrgent(streams::StreamOutbox &outbox,
                                                   const Id16 &device);

private:
    [[nodiscard]] Status fanOut(const QList<model::Operation> &ops, const Id16 *exclude,
                                QList<Outgoing> &out);

    model::RecordStore &m_records;
    DeviceRegistry &m_devices;
    HqValidator m_validator;
    HeldDeletes m_held;
    HqRejects m_rejects;
    qsizetype m_maxPayloadBytes = kDefaultMaxPayloadBytes;
    int m_opQuota = kDefaultOpQuota;
    qint64 m_opQuotaWindowMs = kDefaultOpQuotaWindowMs;
};

} // namespace liaison::hq
