#pragma once

// The receiver of DESIGN.md "Streams": every incoming envelope goes through steps 1-6 in that
// order, in one store transaction together with the record changes the applier makes.
//
//  1. framing, size, magic, deployment; sender known (HQ at a device; a registered device in
//     state active or wipe-only at HQ); recipient is me; box key id is one I hold
//  2. Ed25519 signature under the sender's current key
//     -> a failure at 1-2 is logged (ids only) and dropped: never parks, freezes or alarms
//  3. classify: next / duplicate / fork / park / far ahead / new epoch / other epoch
//  4. open (commitment, AEAD, unpad, strict CBOR)
//  5. kind allowed in this direction, then EnvelopeApplier::check
//     -> a failure at 4-5 of a validly signed envelope is a sender fault: freeze + alarm
//  6. EnvelopeApplier::apply, advance the head, apply parked successors; only then acknowledge
//
// Parked and frozen envelopes are still opened to look for a WIPE, which runs at once (the wipe
// handler is called after the transaction ends).
//
// Device only (issue 8 points 11 and 4):
// - A multi-part RESYNC or SCOPE_JOIN is staged (stream_staged) part by part, the head advancing,
//   and applied in one go, in the transaction of its last part; the own-write remerge runs then.
//   Until then the records are untouched; a missing part is a gap (gapsWanted, the gap timer
//   asks for a RESYNC). Anything but the next part while parts are staged is a sender fault.
// - A REJECT that will never be applied in order (parked in an epoch a RESYNC replaced, arriving
//   late from such an epoch, in a frozen stream, far ahead) is still applied, so the rejected
//   write reaches the held list; each REJECT envelope is applied at most once
//   (stream_reject_taken).

#include "alarm.h"
#include "applier.h"
#include "clock/clock.h"
#include "error.h"
#include "peers.h"
#include "streamoutbox.h"
#include "streamtypes.h"

#include <QByteArrayView>
#include <QString>

#include <functional>
#include <optional>
#include <vector>

namespace liaison::store {
class Database;
}

namespace liaison::streams {

enum class Disposition : std::uint8_t {
    Applied = 1,     // step 6 done (and possibly parked successors)
    Duplicate = 2,   // seq <= applied with the same env_hash: no change
    Parked = 3,      // kept durably until the gap before it fills
    Forked = 4,      // stream frozen, both envelopes kept as evidence
    SenderFault = 5, // failed at 4-5: stream frozen, evidence kept, alarm raised
    FarAhead = 6,    // seq > applied + kParkWindow: nothing kept, resync requested
    Dropped = 7,     // failed at 1-2, or an epoch that is neither current nor a new one at seq 1
    Frozen = 8,      // the stream is frozen: not applied (opened for a WIPE only)
    Quarantined = 9, // HQ: wipe-only device sent something other than COMMAND_ACK
};

[[nodiscard]] const char *dispositionName(Disposition d);

// Why a RESYNC was asked for (stream_in.resync_wanted; the same values as
// protocol::ResyncRequestPayload::Reason, plus None).
enum class ResyncReason : std::uint8_t {
    None = 0,
    Gap = 1,         // a gap not filled within kGapTimeoutMs online
    FarAhead = 2,    // seq beyond the park window
    Fork = 3,        // two envelopes for one seq
    SenderFault = 4, // validly signed but unusable
    Retention = 5,   // the relay no longer holds what is missing
    Other = 6,       // asked by the user or the sync engine
};

struct ReceiveResult
{
    Disposition disposition = Disposition::Dropped;
    // Tell the relay it may delete the envelope: true once it is applied, a duplicate, or kept
    // durably (parked, evidence), or can never become useful (far ahead, old epoch). False for
    // envelopes dropped at steps 1-2 and for local failures (they stay at the relay).
    bool acknowledge = false;
    std::optional<StreamId> stream; // when the header could be parsed
    std::uint64_t seq = 0;
    Hash32 envHash;
    std::optional<Kind> kind; // once opened (in order, or peeked for a WIPE)
    int applied = 0;          // envelopes applied by this call: this one plus parked successors
    bool wipe = false;        // a WIPE command was found and handed to the wipe handler
    QString reason;           // for logs: ids and counts only
};

// A range the client should fetch from the relay (GET /v1/streams/{sender}/{epoch}?from=S).
struct GapRequest
{
    StreamId stream;
    std::uint64_t fromSeq = 0; // first missing
    std::uint64_t toSeq = 0;   // last missing (the seq before the lowest parked one)
    // The sender's newest HEARTBEAT (RECEIPT at HQ) is older than the relay keeps mail
    // (protocol::kRelayRetentionMs): the missing envelopes may be gone from the relay for good.
    // When gap fill brings nothing, the client asks for RESYNC at once (giveUpGap) instead of
    // waiting rounds or the hour of kGapTimeoutMs.
    bool pastRetention = false;
};

struct StreamState
{
    StreamId stream;
    StreamHead applied;
    bool frozen = false;
    ResyncReason frozenReason = ResyncReason::None;
    std::int64_t frozenMs = 0; // wall clock when it froze
    ResyncReason resyncWanted = ResyncReason::None;
    int parked = 0;
    std::optional<std::int64_t> gapSinceOnlineMs;
    std::int64_t lastHeartbeatHqMs = 0;    // device: HQ time of the newest verified HEARTBEAT
    std::int64_t lastHeartbeatLocalMs = 0; // device: local wall clock when it was applied
    std::uint64_t certSerial = 0;          // device: serial named by the newest HEARTBEAT
    // Device: a multi-part snapshot (RESYNC or SCOPE_JOIN) being received: its part count and
    // how many parts are staged (0, 0 when none). Nothing of it is applied before the last part.
    std::uint32_t snapshotParts = 0;
    std::uint32_t snapshotReceived = 0;
};

// A verified COMMAND (DESIGN.md "Commands"): runs only if it names this device and is new.
using Command = protocol::CommandPayload;

using WipeHandler = std::function<void(const Command &)>;
// Called inside the transaction that records a new WIPE's command id (DESIGN.md "Commands":
// "wipe pending" is durable before the id counts as seen). A failure rolls the envelope back: it
// is not acknowledged and is offered again.
using WipeRecorder = std::function<Status(const Command &)>;
// Device: a verified HEARTBEAT (alone or inside a RESYNC) that carries an HQ certificate, with
// the HEARTBEAT's HQ time. Called inside the envelope's transaction; the device verifies the
// certificate under its root key and adopts the highest valid serial (DESIGN.md "Keys"). A
// certificate that does not verify is the handler's to report; an Error (a local failure) rolls
// the envelope back.
using CertificateHandler =
    std::function<Status(const QByteArray &certificate, std::int64_t hqTimeMs)>;
// The device's lower bound of HQ time (DESIGN.md "Data", clock rule); nullopt when unknown.
using HqTimeBound = std::function<std::optional<std::int64_t>()>;

class Receiver
{
public:
    Receiver(store::Database &db, const LocalIdentity &me, const PeerDirectory &peers,
             EnvelopeApplier &applier, StreamOutbox &outbox, const Clock &clock);
    Receiver(const Receiver &) = delete;
    Receiver &operator=(const Receiver &) = delete;

    void setAlarmSink(AlarmSink sink) { m_alarmSink = std::move(sink); }
    void setWipeHandler(WipeHandler handler) { m_wipeHandler = std::move(handler); }
    void setWipeRecorder(WipeRecorder recorder) { m_wipeRecorder = std::move(recorder); }
    // Device: a command's notAfter is judged against this (never the wall clock, which whoever
    // holds the device can set forward). Without a bound a command is not judged expired.
    void setHqTimeBound(HqTimeBound bound) { m_hqTimeBound = std::move(bound); }
    void setCertificateHandler(CertificateHandler handler)
    {
        m_certificateHandler = std::move(handler);
    }
    // HQ only: what RESYNC carries besides the stream fields. Without it HQ records
    // "resync wanted" and leaves sending it to the caller.
    void setResyncSource(ResyncSource *source) { m_resyncSource = source; }

    // Steps 1-6 for one envelope. An Error is a local failure (store); the envelope is not
    // acknowledged and can be offered again. Everything about the envelope itself is a
    // ReceiveResult.
    [[nodiscard]] Result<ReceiveResult> receive(QByteArrayView envelope);

    // Gap timers on the online clock: a gap open for kGapTimeoutMs online asks for a RESYNC
    // (device: RESYNC_REQUEST on `up`; HQ: RESYNC on `down`). HQ also seals the HEARTBEATs that
    // are due (kHeartbeatIntervalMs). Call on every sync round.
    [[nodiscard]] Status tick();
    // Device: gap fill for this sender came back empty round after round; ask for a RESYNC
    // (RESYNC_REQUEST, reason Retention) without waiting for the timer. No-op without a gap or
    // when one was asked for in this epoch.
    [[nodiscard]] Status giveUpGap(const Id16 &sender);

    // The ranges to fetch from the relay for every stream with parked envelopes.
    [[nodiscard]] Result<std::vector<GapRequest>> gapsWanted() const;

    [[nodiscard]] Result<std::optional<StreamState>> state(const Id16 &sender,
                                                           Lane lane = Lane::Bulk) const;
    [[nodiscard]] Result<std::vector<Alarm>> alarms() const;
    struct Evidence
    {
        StreamId stream;
        std::uint64_t seq = 0;
        Hash32 envHash;
        int reason = 0; // 1 fork (applied side), 2 fork (other side), 3 sender fault,
                        // 4 quarantined
        QByteArray bytes;
    };
    [[nodiscard]] Result<std::vector<Evidence>> evidence(const Id16 &sender) const;

    // HQ: starts a new `down` epoch for a device with a RESYNC built from the ResyncSource
    // (after a fork, an unfillable gap, a restore, a RESYNC_REQUEST, or at enrolment: epoch 1).
    // Returns the first part (seq 1); the other parts follow as seq 2..n.
    [[nodiscard]] Result<QueuedEnvelope> sendResync(const Id16 &device);
    // HQ, right after its store was restored from a backup (issue 8 point 6; `liaison-hq
    // restore`): every `down` stream moves kRestoreEpochJump epochs on, past any epoch a device
    // can hold, and every device that may receive one gets a RESYNC at once (in the new epoch:
    // its records as HQ has them now, and its last `up` HQ accepted, so a device sends again
    // what the restore lost). A device cut off or quarantined gets its RESYNC when the desk lets
    // it back. Until its RESYNC is sealed nothing else is sealed for a device (the fan-out leaves
    // it to the RESYNC). One transaction. Returns the number of RESYNCs sent.
    [[nodiscard]] Result<int> afterRestore();
    // HQ: devices in quarantine: their `up` stream froze after a fork or a sender fault. HQ
    // builds no RESYNC for them and seals nothing for them but a WIPE until the desk decides.
    [[nodiscard]] Result<std::vector<StreamState>> quarantined() const;
    // HQ, the desk's decision: lifts the quarantine (unfreezes `up`) and sends the RESYNC that
    // repairs both streams; the device answers with a new `up` epoch. Refused when the device is
    // not active (a revoked one stays cut off).
    [[nodiscard]] Result<QueuedEnvelope> release(const Id16 &device);
    // HQ: at most one RESYNC per device per this interval on the automatic paths (far-ahead,
    // gap, RECEIPT mismatch, RESYNC_REQUEST); sendResync and release
    // (the desk) are not limited.
    void setResyncInterval(std::int64_t ms) { m_resyncIntervalMs = ms; }
    // Largest encoded ops per RESYNC part (default 64 KiB: compressed, a part of contacts pads
    // to 16 KiB, 2 s on a 64 kbit/s link; a device reads `down!` between bulk pages, and a
    // page holds at least one part, so the part size bounds how long an instruction waits
    // behind a snapshot on a thin link; a link that drops also loses less of the snapshot).
    void setResyncPartBytes(qsizetype bytes) { m_resyncPartBytes = bytes; }
    // Device: builds a RECEIPT (applied `down` head, sent `up` head, unlock failures) on `up`.
    [[nodiscard]] Result<QueuedEnvelope> sendReceipt(std::uint32_t unlockFailures);
    // Device: the failed-unlock count the RECEIPT that opens a new `up` epoch carries.
    void setUnlockFailures(std::uint32_t count) { m_unlockFailures = count; }
    // Device: the features its RECEIPTs announce (protocol::ReceiptPayload::features; 0: none,
    // a v1 RECEIPT). HQ seals `down!` only for a device that announced the priority lanes.
    void setAnnouncedFeatures(std::uint64_t features) { m_features = features; }
    // HQ: builds a HEARTBEAT (HQ time, cert serial, `down` head, last `up` applied) on `down`.
    [[nodiscard]] Result<QueuedEnvelope> sendHeartbeat(const Id16 &device);
    // HQ: the serial of the certificate HEARTBEAT and RESYNC name.
    void setCertificateSerial(std::uint64_t serial) { m_certSerial = serial; }
    // HQ: the certificate (hqcert.h bytes) every HEARTBEAT and RESYNC carries, so devices can
    // follow a rotation of the content key (DESIGN.md "Keys"). Empty: none is sent.
    void setCertificate(QByteArray certificate) { m_certificate = std::move(certificate); }

private:
    struct Impl;
    friend struct Impl;

    store::Database &m_db;
    const LocalIdentity &m_me;
    const PeerDirectory &m_peers;
    EnvelopeApplier &m_applier;
    StreamOutbox &m_outbox;
    const Clock &m_clock;
    ResyncSource *m_resyncSource = nullptr;
    std::uint64_t m_certSerial = 0;
    QByteArray m_certificate;
    std::uint32_t m_unlockFailures = 0;
    std::uint64_t m_features = 0;
    qsizetype m_resyncPartBytes = 64 * 1024;
    std::int64_t m_resyncIntervalMs = kResyncIntervalMs;
    AlarmSink m_alarmSink;
    WipeHandler m_wipeHandler;
    WipeRecorder m_wipeRecorder;
    HqTimeBound m_hqTimeBound;
    CertificateHandler m_certificateHandler;
};

} // namespace liaison::streams
