// `device add | pending | fingerprint | confirm | cancel`: enrolment at the desk (DESIGN.md
// "Enrolment"; the library is desk/enrolment.h, the formats protocol/enrolment.h).
//
//   device add --scope S...      a pending device and its one-time code: text, QR in the
//                                terminal, PNG with --png
//   device pending [--collect]   open enrolments (and every state with --all)
//   device fingerprint ID        HQ's safety number once the device's submission verified
//   device confirm ID            the 60 digits the officer reads out (--number, else a prompt);
//                                one wrong digit cancels
//   device cancel ID             give up an open enrolment; the code's slot at the relay is
//                                closed too (re-keyed), so the device is refused at once
// fingerprint and confirm read the relay's submissions first; `pending --collect` does it for
// every open enrolment.

#include "cli.h"
#include "qrcode.h"

#include "desk/deskrelay.h"
#include "desk/enrolment.h"

#include <QFile>

#include <algorithm>

#include <cstdio>
#include <unistd.h>

namespace liaison::hqcli {

namespace {

const QString kOptScope = QStringLiteral("scope");
const QString kOptLabel = QStringLiteral("label");
const QString kOptExpires = QStringLiteral("expires");
const QString kOptPng = QStringLiteral("png");
const QString kOptNoQr = QStringLiteral("no-qr");
const QString kOptCollect = QStringLiteral("collect");
const QString kOptAll = QStringLiteral("all");
const QString kOptNumber = QStringLiteral("number");
const QString kOptReason = QStringLiteral("reason");

QString hex(const crypto::Id16 &id)
{
    return QString::fromLatin1(id.toHex());
}

QJsonObject enrolmentJson(const desk::Enrolment &e)
{
    QJsonObject o{{QStringLiteral("id"), hex(e.device)},
                  {QStringLiteral("label"), e.label},
                  {QStringLiteral("scopes"), QJsonArray::fromStringList(e.scopes)},
                  {QStringLiteral("state"), QString::fromLatin1(desk::enrolmentStateName(e.state))},
                  {QStringLiteral("created"), isoTime(e.createdMs)},
                  {QStringLiteral("expires"), isoTime(e.expiresMs)}};
    if (!e.reason.isEmpty())
        o.insert(QStringLiteral("reason"), e.reason);
    if (auto sn = e.safetyNumber())
        o.insert(QStringLiteral("safetyNumber"), sn->toString());
    if (e.state == desk::EnrolmentState::Confirmed)
        o.insert(QStringLiteral("relayRegistered"), e.relayRegistered);
    return o;
}

// The device named by a full id or a unique prefix (at least 6 hex digits) among enrolments.
std::expected<crypto::Id16, int> resolveDevice(Context &ctx, desk::DeskEnrolment &enrol)
{
    const QStringList pos = ctx.positional();
    if (pos.size() != 1)
        return std::unexpected(ctx.usage(QStringLiteral("name one device (its id)")));
    const QString want = pos[0].trimmed().toLower();
    if (want.size() < 6 || want.size() > 32 || !std::all_of(want.begin(), want.end(), [](QChar c) {
            return (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f');
        }))
        return std::unexpected(
            ctx.usage(QStringLiteral("a device id is 32 hex digits (a prefix of 6 or more)")));
    auto all = enrol.enrolments();
    if (!all)
        return std::unexpected(ctx.fail(QStringLiteral("enrolments"), all.error()));
    std::optional<crypto::Id16> found;
    for (const desk::Enrolment &e : *all) {
        if (!hex(e.device).startsWith(want))
            continue;
        if (found)
            return std::unexpected(ctx.fail(
                QStringLiteral("device"),
                Error(Errc::InvalidArgument,
                      QStringLiteral("\"%1\" names more than one enrolment: give more digits")
                          .arg(want))));
        found = e.device;
    }
    if (!found)
        return std::unexpected(ctx.fail(
            QStringLiteral("device"),
            Error(Errc::NotFound, QStringLiteral("no enrolment for device \"%1\"").arg(want))));
    return *found;
}

void reportCollect(Context &ctx, const desk::CollectReport &r)
{
    ctx.result().insert(
        QStringLiteral("collected"),
        QJsonObject{{QStringLiteral("submissions"), r.submissions},
                    {QStringLiteral("verifying"), r.verifying},
                    {QStringLiteral("refused"), r.refused},
                    {QStringLiteral("cancelled"), r.cancelled},
                    {QStringLiteral("expired"), r.expired},
                    {QStringLiteral("notes"), QJsonArray::fromStringList(r.notes)}});
    for (const QString &n : r.notes)
        ctx.line(n);
}

int deviceAdd(Context &ctx)
{
    const QStringList scopes = ctx.values(kOptScope);
    if (scopes.isEmpty())
        return ctx.usage(QStringLiteral("give the device's scopes with --scope (repeatable)"));
    const auto validityMs = enrolmentValidityMs(ctx);
    if (!validityMs)
        return validityMs.error();
    if (!ctx.positional().isEmpty())
        return ctx.usage(QStringLiteral("device add takes no arguments"));
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &deskStore = **store;
    auto relay = desk::DeskRelay::open(deskStore);
    if (!relay)
        return ctx.fail(QStringLiteral("relay"), relay.error());
    desk::DeskEnrolment enrol(deskStore);
    ctx.progress(QStringLiteral("registering the code at the relay ...\n"));
    auto added = enrol.add(**relay, scopes, ctx.value(kOptLabel), *validityMs);
    if (!added)
        return ctx.fail(QStringLiteral("device add"), added.error());
    if (const int code = showEnrolmentCode(ctx, *added, scopes); code != kExitOk)
        return code;
    return ctx.finish();
}

int devicePending(Context &ctx)
{
    if (!ctx.positional().isEmpty())
        return ctx.usage(QStringLiteral("device pending takes no arguments"));
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &deskStore = **store;
    desk::DeskEnrolment enrol(deskStore);
    if (ctx.isSet(kOptCollect)) {
        auto relay = desk::DeskRelay::open(deskStore);
        if (!relay)
            return ctx.fail(QStringLiteral("relay"), relay.error());
        ctx.progress(QStringLiteral("reading submissions at the relay ...\n"));
        auto r = enrol.collect(**relay);
        if (!r)
            return ctx.fail(QStringLiteral("collect"), r.error());
        reportCollect(ctx, *r);
    }
    auto all = enrol.enrolments();
    if (!all)
        return ctx.fail(QStringLiteral("enrolments"), all.error());
    QJsonArray out;
    QList<QStringList> rows;
    for (const desk::Enrolment &e : *all) {
        const bool open =
            e.state == desk::EnrolmentState::Pending || e.state == desk::EnrolmentState::Verifying;
        if (!open && !ctx.isSet(kOptAll))
            continue;
        out.append(enrolmentJson(e));
        rows.append({hex(e.device).left(8), QString::fromLatin1(desk::enrolmentStateName(e.state)),
                     e.scopes.join(QLatin1Char(',')), isoTime(e.expiresMs), e.label, e.reason});
    }
    ctx.result().insert(QStringLiteral("enrolments"), out);
    if (rows.isEmpty())
        ctx.line(ctx.isSet(kOptAll) ? QStringLiteral("no enrolments")
                                    : QStringLiteral("no open enrolments"));
    else
        ctx.table({QStringLiteral("DEVICE"), QStringLiteral("STATE"), QStringLiteral("SCOPES"),
                   QStringLiteral("EXPIRES"), QStringLiteral("LABEL"), QStringLiteral("NOTE")},
                  rows);
    return ctx.finish();
}

// Opens the store and the relay, resolves the device and reads its submissions.
struct Opened
{
    desk::DeskStore *store = nullptr;
    std::unique_ptr<desk::DeskRelay> relay;
    std::unique_ptr<desk::DeskEnrolment> enrol;
    crypto::Id16 device;
};

std::expected<Opened, int> openAndCollect(Context &ctx)
{
    auto store = ctx.openStore();
    if (!store)
        return std::unexpected(store.error());
    Opened o;
    o.store = *store;
    o.enrol = std::make_unique<desk::DeskEnrolment>(*o.store);
    auto device = resolveDevice(ctx, *o.enrol);
    if (!device)
        return std::unexpected(device.error());
    o.device = *device;
    auto relay = desk::DeskRelay::open(*o.store);
    if (!relay)
        return std::unexpected(ctx.fail(QStringLiteral("relay"), relay.error()));
    o.relay = std::move(*relay);
    auto current = o.enrol->enrolment(o.device);
    if (!current)
        return std::unexpected(ctx.fail(QStringLiteral("enrolment"), current.error()));
    if (*current && ((*current)->state == desk::EnrolmentState::Pending ||
                     (*current)->state == desk::EnrolmentState::Verifying)) {
        ctx.progress(QStringLiteral("reading the device's submission at the relay ...\n"));
        auto r = o.enrol->collect(*o.relay, o.device);
        if (!r)
            return std::unexpected(ctx.fail(QStringLiteral("collect"), r.error()));
        reportCollect(ctx, *r);
    }
    return o;
}

int deviceFingerprint(Context &ctx)
{
    auto o = openAndCollect(ctx);
    if (!o)
        return o.error();
    auto e = o->enrol->enrolment(o->device);
    if (!e)
        return ctx.fail(QStringLiteral("enrolment"), e.error());
    const desk::Enrolment &en = **e;
    ctx.result().insert(QStringLiteral("enrolment"), enrolmentJson(en));
    const auto sn = en.safetyNumber();
    if (!sn || (en.state != desk::EnrolmentState::Verifying &&
                en.state != desk::EnrolmentState::Confirmed)) {
        const QString why =
            en.state == desk::EnrolmentState::Pending
                ? QStringLiteral("no verified submission from the device yet: the officer has not "
                                 "enrolled with the code (try again later)")
                : QStringLiteral("the enrolment is %1%2")
                      .arg(QLatin1String(desk::enrolmentStateName(en.state)),
                           en.reason.isEmpty() ? QString() : QStringLiteral(": ") + en.reason);
        return ctx.fail(QStringLiteral("fingerprint"), Error(Errc::Refused, why));
    }
    ctx.result().insert(QStringLiteral("safetyNumber"), sn->toString());
    ctx.line(QStringLiteral("Safety number of device %1 (%2):").arg(hex(en.device), en.label));
    ctx.line(QString());
    ctx.line(sn->toDisplayString());
    ctx.line(QString());
    ctx.line(QStringLiteral("Call the officer on the number on file (never one that came with the "
                            "code) and have them read all 12 groups from their screen; then "
                            "liaison-hq device confirm %1.")
                 .arg(hex(en.device).left(8)));
    return ctx.finish();
}

// A line from the terminal (echoed: the number is not secret).
std::optional<QString> promptLine(const QString &prompt)
{
    std::FILE *tty = std::fopen("/dev/tty", "r+");
    if (!tty)
        return std::nullopt;
    if (!isatty(fileno(tty))) {
        std::fclose(tty);
        return std::nullopt;
    }
    std::fputs(prompt.toUtf8().constData(), tty);
    std::fflush(tty);
    char buf[512];
    const bool got = std::fgets(buf, sizeof buf, tty) != nullptr;
    std::fclose(tty);
    if (!got)
        return std::nullopt;
    return QString::fromUtf8(buf).trimmed();
}

int deviceConfirm(Context &ctx)
{
    QString typed;
    if (ctx.isSet(kOptNumber)) {
        typed = ctx.value(kOptNumber);
        if (auto p = protocol::parseSafetyNumber(typed); !p)
            return ctx.usage(p.error().message);
    }
    auto o = openAndCollect(ctx);
    if (!o)
        return o.error();
    auto e = o->enrol->enrolment(o->device);
    if (!e)
        return ctx.fail(QStringLiteral("enrolment"), e.error());
    if (!ctx.isSet(kOptNumber) && (*e)->state == desk::EnrolmentState::Verifying) {
        while (true) {
            auto line = promptLine(
                QStringLiteral("The 60 digits the officer reads out (spaces allowed): "));
            if (!line)
                return ctx.usage(QStringLiteral("no terminal to ask on: give --number DIGITS"));
            if (auto p = protocol::parseSafetyNumber(*line); !p) {
                std::fprintf(stderr, "%s; nothing was cancelled, type it again\n",
                             qPrintable(p.error().message));
                continue;
            }
            typed = *line;
            break;
        }
    }
    auto r = o->enrol->confirm(*o->relay, o->device, typed);
    if (!r) {
        if (r.error().code == Errc::InvalidArgument)
            return ctx.usage(r.error().message);
        return ctx.fail(QStringLiteral("device confirm"), r.error());
    }
    ctx.result().insert(QStringLiteral("id"), hex(r->device));
    ctx.result().insert(QStringLiteral("scopes"), QJsonArray::fromStringList(r->scopes));
    ctx.result().insert(QStringLiteral("registered"), true);
    ctx.result().insert(QStringLiteral("relayRegistered"), r->relayRegistered);
    ctx.result().insert(QStringLiteral("delivered"), r->delivered);
    ctx.line(QStringLiteral("Device %1 confirmed and registered with scope(s) %2.")
                 .arg(hex(r->device), r->scopes.join(QStringLiteral(", "))));
    if (!r->relayRegistered || !r->relayError.isEmpty()) {
        ctx.result().insert(QStringLiteral("relayError"), r->relayError);
        return ctx.fail(QStringLiteral("relay (the device is registered at the desk; run device "
                                       "confirm again to finish at the relay)"),
                        Error(Errc::Network, r->relayError));
    }
    ctx.line(QStringLiteral("Its first RESYNC is at the relay (%1 envelope(s) delivered).")
                 .arg(r->delivered));
    return ctx.finish();
}

int deviceCancel(Context &ctx)
{
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskEnrolment enrol(**store);
    auto device = resolveDevice(ctx, enrol);
    if (!device)
        return device.error();
    const QString reason =
        ctx.isSet(kOptReason) ? ctx.value(kOptReason) : QStringLiteral("cancelled at the desk");
    if (auto s = enrol.cancel(*device, reason); !s)
        return ctx.fail(QStringLiteral("device cancel"), s.error());
    ctx.result().insert(QStringLiteral("id"), hex(*device));
    ctx.line(QStringLiteral("Enrolment of device %1 cancelled.").arg(hex(*device)));
    // The desk's cancel holds whatever the relay says: it ignores any later submission.
    ctx.progress(QStringLiteral("closing the code at the relay ...\n"));
    auto relay = desk::DeskRelay::open(**store);
    const Status closed =
        relay ? enrol.closeAtRelay(**relay, *device) : Status(std::unexpected(relay.error()));
    ctx.result().insert(QStringLiteral("relayClosed"), closed.has_value());
    if (!closed) {
        ctx.result().insert(QStringLiteral("relayError"), closed.error().message);
        return ctx.fail(QStringLiteral("relay (the enrolment is cancelled at the desk, which "
                                       "refuses the code; the relay accepts it until it expires)"),
                        closed.error());
    }
    ctx.line(QStringLiteral("The relay refuses the code from now on."));
    return ctx.finish();
}

} // namespace

void addEnrolmentCodeOptions(QCommandLineParser &p)
{
    p.addOption({kOptLabel, QStringLiteral("Who or what the device is."), QStringLiteral("text")});
    p.addOption({kOptExpires, QStringLiteral("Hours the code is valid: 1 to 72 (default 24)."),
                 QStringLiteral("hours")});
    p.addOption(
        {kOptPng, QStringLiteral("Also write the QR code as a PNG file."), QStringLiteral("file")});
    p.addOption({kOptNoQr, QStringLiteral("Do not draw the QR code here.")});
}

std::expected<qint64, int> enrolmentValidityMs(Context &ctx)
{
    qint64 hours = 24;
    if (ctx.isSet(kOptExpires)) {
        bool ok = false;
        hours = ctx.value(kOptExpires).toLongLong(&ok);
        if (!ok || hours < 1 || hours > 72)
            return std::unexpected(ctx.usage(QStringLiteral("--expires takes 1 to 72 hours")));
    }
    return hours * 3600 * 1000;
}

int showEnrolmentCode(Context &ctx, const desk::NewEnrolment &added, const QStringList &scopes)
{
    auto qr = encodeQr(added.code);
    if (!qr)
        return ctx.fail(QStringLiteral("QR code"), qr.error());
    if (ctx.isSet(kOptPng)) {
        const QByteArray png = qrPng(*qr);
        if (auto s = writeOutputFile(ctx.value(kOptPng), png); !s)
            return ctx.fail(QStringLiteral("PNG"), s.error());
        ctx.result().insert(QStringLiteral("png"), ctx.value(kOptPng));
    }
    ctx.result().insert(QStringLiteral("id"), hex(added.device));
    ctx.result().insert(QStringLiteral("code"), QString::fromLatin1(added.code));
    ctx.result().insert(QStringLiteral("expires"), isoTime(added.expiresMs));
    ctx.result().insert(QStringLiteral("scopes"), QJsonArray::fromStringList(scopes));
    ctx.line(QStringLiteral("Device %1 is pending. Its one-time enrolment code (valid until %2):")
                 .arg(hex(added.device), isoTime(added.expiresMs)));
    ctx.line(QString());
    ctx.line(QString::fromLatin1(protocol::groupEnrolmentCode(added.code)));
    ctx.line(QString());
    if (!ctx.isSet(kOptNoQr))
        ctx.line(qrForTerminal(*qr));
    if (ctx.isSet(kOptPng))
        ctx.line(QStringLiteral("QR code written to %1").arg(ctx.value(kOptPng)));
    ctx.line(QStringLiteral("Hand it over in person or sealed; destroy it after use. Then: "
                            "liaison-hq device fingerprint %1, and liaison-hq device confirm %1 "
                            "with the number the officer reads out.")
                 .arg(hex(added.device).left(8)));
    return kExitOk;
}

void addEnrolCommands(QList<Command> &out)
{
    out.append({{QStringLiteral("device"), QStringLiteral("add")},
                QStringLiteral("A new device: a one-time enrolment code (text, QR, PNG)"),
                QString(),
                [](QCommandLineParser &p) {
                    p.addOption({kOptScope,
                                 QStringLiteral("A scope the device joins (declared); repeatable."),
                                 QStringLiteral("scope")});
                    addEnrolmentCodeOptions(p);
                },
                deviceAdd});
    out.append({{QStringLiteral("device"), QStringLiteral("pending")},
                QStringLiteral("Open enrolments (--collect reads submissions first)"),
                QString(),
                [](QCommandLineParser &p) {
                    p.addOption({kOptCollect,
                                 QStringLiteral("Read and verify the devices' submissions at the "
                                                "relay first.")});
                    p.addOption({kOptAll, QStringLiteral("Also confirmed, cancelled and expired "
                                                         "enrolments.")});
                },
                devicePending});
    out.append({{QStringLiteral("device"), QStringLiteral("fingerprint")},
                QStringLiteral("HQ's safety number of an enrolling device"),
                QStringLiteral("ID"),
                [](QCommandLineParser &) {},
                deviceFingerprint});
    out.append({{QStringLiteral("device"), QStringLiteral("confirm")},
                QStringLiteral("Confirm an enrolling device with the 60 digits the officer "
                               "reads out"),
                QStringLiteral("ID"),
                [](QCommandLineParser &p) {
                    p.addOption({kOptNumber,
                                 QStringLiteral("The safety number (60 digits, any spacing); "
                                                "asked on the terminal otherwise. One wrong "
                                                "digit cancels the enrolment."),
                                 QStringLiteral("digits")});
                },
                deviceConfirm});
    out.append({{QStringLiteral("device"), QStringLiteral("cancel")},
                QStringLiteral("Give up an open enrolment (the relay refuses its code from now "
                               "on)"),
                QStringLiteral("ID"),
                [](QCommandLineParser &p) {
                    p.addOption({kOptReason, QStringLiteral("Why (kept in the audit)."),
                                 QStringLiteral("text")});
                },
                deviceCancel});
}

} // namespace liaison::hqcli
