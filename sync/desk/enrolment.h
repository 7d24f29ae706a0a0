#pragma once

// The desk's side of enrolment (DESIGN.md "Enrolment", steps 1, 3 and 4; the wire formats are
// protocol/enrolment.h). Over the desk store and its relay link:
//
//  add       a pending device with a fresh random id and a code (valid <= 72 h); the relay gets
//            BLAKE2b(relay_token) and the expiry (PUT /v1/enrol/{id}); the desk keeps only
//            mac_key, never S.
//  collect   GET /v1/enrol/{id} for every pending device: each submission is opened and checked
//            (expiry, MAC, signature, T names this HQ and this device); the first good one makes
//            the device "verifying" and fixes T and its safety number. A second, different good
//            submission (the code used twice) cancels the enrolment: HQ cannot tell which one is
//            the officer's. Nothing is registered or sent.
//  confirm   all 60 digits the officer read out must match, else the enrolment is cancelled (one
//            wrong digit cancels). On a match, in ONE transaction: the registry entry (Active,
//            the device's sign and box keys), its memberships, a fresh wipe id with the wipe-ack
//            key (here and in desk_wipe, desk/remotewipe.h), RESYNC epoch 1 (scopes, snapshot, wipe
//            id) in its `down` stream, the state "confirmed" and the audit entry. Then the relay's
//            device list and a push; if the relay is unreachable, confirm again (it finishes only
//            the relay part).
//
//  desk_enrolment  device id, label, scopes, mac_key (until the enrolment ends), expiry, state,
//                  why it ended, the opened T, the submission's hash, the wipe id, whether the
//                  relay knows the device, times, and the device it replaces (`device replace`:
//                  a lost or new phone enrols anew with the old one's scopes).
//
// Every step is audited (ids and counts only).

#include "desk/deskstore.h"
#include "error.h"
#include "protocol/enrolment.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace liaison::desk {

class DeskRelay;

inline constexpr qint64 kEnrolDefaultValidityMs = 24LL * 3600 * 1000;

enum class EnrolmentState { Pending = 1, Verifying = 2, Confirmed = 3, Cancelled = 4, Expired = 5 };
[[nodiscard]] const char *enrolmentStateName(EnrolmentState state); // "pending", ...

struct Enrolment
{
    crypto::Id16 device;
    QString label;
    QStringList scopes;
    qint64 createdMs = 0;
    qint64 expiresMs = 0;
    qint64 updatedMs = 0;
    EnrolmentState state = EnrolmentState::Pending;
    QString reason; // why it was cancelled or refused (for people; no secrets)
    std::optional<protocol::EnrolmentTranscript> transcript; // from "verifying" on
    std::optional<crypto::Id16> wipeId;                      // once confirmed
    bool relayRegistered = false;                            // confirmed and at the relay
    std::optional<crypto::Id16> replaces;                    // the device this one replaces

    [[nodiscard]] std::optional<protocol::SafetyNumber> safetyNumber() const
    {
        if (!transcript)
            return std::nullopt;
        return protocol::safetyNumber(*transcript);
    }
};

// The table (DeskStore's migrations append it), and its later column `replaces`.
[[nodiscard]] Status createEnrolmentTable(store::Database &db);
[[nodiscard]] Status addEnrolmentReplacesColumn(store::Database &db);
// The wipe id given to a confirmed device (RESYNC carries it): nullopt for a device that was not
// enrolled through the protocol.
[[nodiscard]] Result<std::optional<crypto::Id16>> enrolledWipeId(store::Database &db,
                                                                 const crypto::Id16 &device);

struct NewEnrolment
{
    crypto::Id16 device;
    QByteArray code; // the text form: as secret as S; print it, never log it
    qint64 expiresMs = 0;
};

struct CollectReport
{
    int devices = 0;     // pending or verifying enrolments looked at
    int submissions = 0; // submissions read at the relay
    int verifying = 0;   // devices that became "verifying" now
    int refused = 0;     // submissions refused (MAC, signature, naming, damage)
    int cancelled = 0;   // enrolments cancelled now (code used twice)
    int expired = 0;     // enrolments that expired now
    QStringList notes;   // one line per refusal / cancellation: device id and why
};

struct ConfirmReport
{
    crypto::Id16 device;
    QStringList scopes;
    bool registeredNow = false; // false: it was registered by an earlier confirm
    bool relayRegistered = false;
    int delivered = 0;  // envelopes the push delivered
    QString relayError; // why the relay part did not finish (confirm again)
};

class DeskEnrolment
{
public:
    explicit DeskEnrolment(DeskStore &desk);

    // A new pending device. Every scope must be declared; 0 < validity <= 72 h; the desk needs a
    // certificate (the device fetches it from the relay). The certificate is installed at the
    // relay and the slot registered before anything is stored. With `replaces` the enrolment is
    // the replacement of that device (audited as device.replace as well).
    [[nodiscard]] Result<NewEnrolment> add(DeskRelay &relay, const QStringList &scopes,
                                           const QString &label, qint64 validityMs,
                                           std::optional<crypto::Id16> replaces = std::nullopt);

    // Reads and judges the submissions of every open enrolment (or of `only`).
    [[nodiscard]] Result<CollectReport> collect(DeskRelay &relay,
                                                std::optional<crypto::Id16> only = std::nullopt);

    [[nodiscard]] Result<std::optional<Enrolment>> enrolment(const crypto::Id16 &device) const;
    [[nodiscard]] Result<QList<Enrolment>> enrolments() const; // newest first
    // The live replacement of `device`: an enrolment replacing it that is confirmed, or pending
    // or verifying and not expired. nullopt when none (never replaced, or the replacement was
    // cancelled or expired).
    [[nodiscard]] Result<std::optional<Enrolment>> replacementOf(const crypto::Id16 &device) const;

    // Compares the typed number; a mismatch cancels (Refused). A typed text that is not 60
    // digits is InvalidArgument and cancels nothing. Refused for a device that is not verifying
    // (pending: no submission yet; cancelled, expired).
    [[nodiscard]] Result<ConfirmReport> confirm(DeskRelay &relay, const crypto::Id16 &device,
                                                QStringView typedNumber);

    // The desk gives up on an open enrolment.
    [[nodiscard]] Status cancel(const crypto::Id16 &device, const QString &reason);
    // After cancel: the code stops working at the relay too (collect's cancel of a code used
    // twice and confirm's cancel on a safety-number mismatch call it themselves). The relay has no
    // call that deletes an enrolment slot (PUT, GET and POST /v1/enrol/{id} only), so the slot is
    // re-keyed with a token nobody holds, until the code's expiry: the relay drops the submissions
    // it kept and refuses the code's holder at once (401, which the device reads as "HQ cancelled
    // or replaced it") instead of storing a submission the desk would ignore. Nothing to do for an
    // expired code.
    [[nodiscard]] Status closeAtRelay(DeskRelay &relay, const crypto::Id16 &device);

private:
    [[nodiscard]] Status setEnded(const crypto::Id16 &device, EnrolmentState state,
                                  const QString &reason);
    [[nodiscard]] Result<ConfirmReport> finishAtRelay(DeskRelay &relay, const Enrolment &e,
                                                      ConfirmReport report);

    DeskStore &m_desk;
};

} // namespace liaison::desk
