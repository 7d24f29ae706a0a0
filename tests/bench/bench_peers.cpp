// bench_peers: Liaison's side of the side-by-side benchmark (issue 13, "Side by side with the
// peers"); tests/bench/peers/run measures the peers on the same records in the same run and
// divides. The records: contacts of about 400 bytes as JSON (Czech, Polish and Hungarian names,
// deterministic), then some of them changed.
//   --write-dataset FILE   writes the records as JSON (the peers read this file) and exits
//   --contacts N           contacts (default 10000); --changes N changed ones (default 100)
//   --incremental-phases K the incremental phase K times (default 15, at most contacts /
//                          changes), median reported
//   --smoke                200 contacts, 10 changes (ctest: it runs and prints its lines)
//   --breakdown            also prints where each timed sync's time went (issue 13's evidence for
//                          an unmet goal): `breakdown_window` (CLOCK_MONOTONIC ns, for
//                          `perf report --time`), one `breakdown_http` line per HTTP exchange the
//                          proxy saw (the relay's share: request read whole to answer read whole;
//                          the gap before it: the device's share), a `breakdown` total per sync,
//                          and `breakdown_setup` for HQ's work before each timed sync (untimed)
// Prints, each measured here over a real liaison-relay (SQLite) on loopback:
//   liaison_fresh_s            a fresh device's first sync, until every record is applied
//   liaison_fresh_wire_bytes   bytes on the device's socket both ways, HTTP included
//   liaison_incremental_s      HQ changed N records; the device's next sync, until applied:
//                              the median over --incremental-phases K such phases (default 15;
//                              one phase of 100 changes takes tens of milliseconds, too short to
//                              time once on a loaded machine); pouchdb.mjs runs the same K phases.
//                              Phase p changes the N records p places after the dataset's changed
//                              ones, each record changed once (a PouchDB document changed again
//                              carries its longer revision history on the wire)
//   liaison_incremental_min_s, liaison_incremental_max_s   the fastest and slowest phase
//   liaison_incremental_wire_bytes                         the median phase's bytes
//   liaison_apply_10k_ms       10,000 one-field operations applied to the device's encrypted
//                              store in one transaction (applyRemoteBatch), best of three; the
//                              peers run applies
//                              the same 10,000 map operations with Automerge's applyChanges
// The run script prints the ratios in the `name: value (goal OP value)` form.

#include "benchcheck.h"
#include "contactgen.h"
#include "freshdevicerig.h"
#include "testmain.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cstdio>
#include <ctime>

using namespace liaison;
using namespace liaison::e2e;

namespace {

// {"contacts": [...], "changes": [{"id": ..., "phone": ..., "notes": ...}]}
QJsonObject makeDataset(int contacts, int changes)
{
    bench::SplitMix r{2026};
    QJsonArray list;
    for (int i = 0; i < contacts; ++i)
        list.append(bench::makeContact(r, i));
    QJsonArray changed;
    for (int k = 0; k < changes; ++k) {
        const int i = int((std::int64_t(k) * contacts) / changes);
        changed.append(QJsonObject{
            {QStringLiteral("id"), list.at(i).toObject().value(QStringLiteral("id"))},
            {QStringLiteral("phone"),
             QStringLiteral("+420 974 %1 %2").arg(100 + r.below(900)).arg(100 + r.below(900))},
            {QStringLiteral("notes"), QStringLiteral("Changed on the desk: new duty number.")},
        });
    }
    return QJsonObject{{QStringLiteral("contacts"), list}, {QStringLiteral("changes"), changed}};
}

model::FieldMap fieldsOf(const QJsonObject &c)
{
    QStringList languages;
    for (const QJsonValue &v : c.value(QStringLiteral("languages")).toArray())
        languages.append(v.toString());
    return model::FieldMap{
        {QStringLiteral("name"), c.value(QStringLiteral("name")).toString()},
        {QStringLiteral("organisation"), c.value(QStringLiteral("organisation")).toString()},
        {QStringLiteral("role"), c.value(QStringLiteral("role")).toString()},
        {QStringLiteral("country"), c.value(QStringLiteral("country")).toString()},
        {QStringLiteral("phones"),
         QCborArray{model::phone(QStringLiteral("office"),
                                 c.value(QStringLiteral("phone")).toString(),
                                 c.value(QStringLiteral("h24")).toBool())}},
        {QStringLiteral("emails"), QCborArray{c.value(QStringLiteral("email")).toString()}},
        {QStringLiteral("address"), c.value(QStringLiteral("address")).toString()},
        {QStringLiteral("languages"), QCborArray::fromStringList(languages)},
        {QStringLiteral("timeZone"), c.value(QStringLiteral("timeZone")).toString()},
        {QStringLiteral("notes"), c.value(QStringLiteral("notes")).toString()},
    };
}

using bench::die;
using bench::must;

// Phase p (0-based) of the incremental figure changes, for each of the dataset's changes, the
// contact p places after the changed one (phase 0: the dataset's changes as they are): its phone
// to the change's phone with the last three digits moved on by p, its notes to the change's notes
// with " (p + 1)" after them. pouchdb.mjs makes the same changes (idInPhase, phoneInPhase,
// notesInPhase).
QString idInPhase(const QJsonArray &contacts, const QHash<QString, int> &position,
                  const QString &changedId, int phase)
{
    const int at = (position.value(changedId) + phase) % int(contacts.size());
    return contacts.at(at).toObject().value(QStringLiteral("id")).toString();
}

QString phoneInPhase(const QString &phone, int phase)
{
    if (phase == 0)
        return phone;
    const int last = phone.right(3).toInt();
    return phone.left(phone.size() - 3) + QString::number(100 + (last - 100 + phase) % 900);
}

QString notesInPhase(const QString &notes, int phase)
{
    return phase == 0 ? notes : notes + QStringLiteral(" (%1)").arg(phase + 1);
}

qint64 monotonicNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// --breakdown: the proxy's exchanges of one timed sync, which ran from startNs to endNs
// (CLOCK_MONOTONIC, as QElapsedTimer and the proxy's milliseconds). The device's share of the
// sync is what lies outside the exchanges (building requests, handling answers: decrypt,
// verify, decompress, apply, commit), the relay's share what lies inside them (loopback, the
// relay's work, its commits).
void printBreakdown(const char *what, const test::FaultProxy &proxy, qint64 startNs, qint64 endNs)
{
    const double startMs = double(startNs) / 1e6;
    const double endMs = double(endNs) / 1e6;
    std::printf("breakdown_window %s %lld %lld\n", what, (long long)startNs, (long long)endNs);
    double relayMs = 0;
    double deviceMs = 0;
    double last = startMs;
    for (const auto &e : proxy.exchanges()) {
        const double gap = std::max(0.0, double(e.requestMs) - last);
        const double relay = double(e.answeredMs - e.requestMs);
        deviceMs += gap;
        relayMs += relay;
        last = double(e.answeredMs);
        std::printf("breakdown_http %s gap_ms %.0f relay_ms %.0f req %lld resp %lld %s\n", what,
                    gap, relay, (long long)e.requestBytes, (long long)e.responseBytes,
                    e.requestLine.left(120).constData());
    }
    const double tail = std::max(0.0, endMs - last);
    deviceMs += tail;
    std::printf("breakdown %s total_ms %.1f exchanges %lld relay_ms %.0f device_ms %.0f "
                "(of which after the last answer %.0f)\n",
                what, endMs - startMs, (long long)proxy.exchanges().size(), relayMs, deviceMs,
                tail);
}

double medianOf(QList<double> v)
{
    std::sort(v.begin(), v.end());
    const qsizetype n = v.size();
    return n % 2 ? v.at(n / 2) : (v.at(n / 2 - 1) + v.at(n / 2)) / 2;
}

// Fresh device and incremental changes through the relay.
void syncFigures(const QJsonObject &data, const QTemporaryDir &dir, int phases, bool breakdown)
{
    const QJsonArray contacts = data.value(QStringLiteral("contacts")).toArray();
    const QJsonArray changes = data.value(QStringLiteral("changes")).toArray();
    bench::FreshDeviceRig rig;
    if (!rig.startHq(dir))
        die("set-up", rig.error);
    e2e::HqNode &hq = rig.hq;
    const QString scope = QStringLiteral("post:prague");
    QHash<QString, model::RecordId> ids;
    must(hq.db->begin(), "begin");
    for (const QJsonValue &v : contacts) {
        const QJsonObject c = v.toObject();
        auto op =
            must(hq.records->create(model::RecordType::Contact, scope, fieldsOf(c)), "create");
        ids.insert(c.value(QStringLiteral("id")).toString(), op.recordId);
    }
    must(hq.db->commit(), "commit");
    const qint64 enrolNs = monotonicNs();
    if (!rig.enrolDevice(dir, scope))
        die("set-up", rig.error);
    if (breakdown) // (HQ seals and appends the snapshot here, before the timed sync)
        std::printf("breakdown_setup fresh enrol_and_hq_round_ms %.1f\n",
                    double(monotonicNs() - enrolNs) / 1e6);
    e2e::DeviceNode &dev = *rig.dev;

    rig.proxy->clearCapture();
    QElapsedTimer t;
    const qint64 freshNs = monotonicNs();
    t.start();
    if (!dev.syncOnce(600000))
        die("the device's first sync");
    const double freshS = double(t.nsecsElapsed()) / 1e9;
    if (breakdown)
        printBreakdown("fresh", *rig.proxy, freshNs, monotonicNs());
    if (must(dev.records->recordCount(), "count") != contacts.size())
        die("the device does not have every record");
    const qint64 freshWire = rig.wireBytes();

    QHash<QString, int> position;
    for (int i = 0; i < contacts.size(); ++i)
        position.insert(contacts.at(i).toObject().value(QStringLiteral("id")).toString(), i);
    QList<double> phaseS;
    QList<double> phaseWire;
    for (int phase = 0; phase < phases; ++phase) {
        for (const QJsonValue &v : changes) {
            const QJsonObject c = v.toObject();
            const auto id = ids.value(
                idInPhase(contacts, position, c.value(QStringLiteral("id")).toString(), phase));
            const QString phone = phoneInPhase(c.value(QStringLiteral("phone")).toString(), phase);
            const QString notes = notesInPhase(c.value(QStringLiteral("notes")).toString(), phase);
            must(hq.records->update(
                     id, {{QStringLiteral("phones"),
                           QCborArray{model::phone(QStringLiteral("office"), phone, true)}},
                          {QStringLiteral("notes"), notes}}),
                 "update");
        }
        const qint64 hqNs = monotonicNs();
        if (!hq.syncOnce(120000))
            die("HQ's round with the changes");
        if (breakdown)
            std::printf("breakdown_setup incremental_%d hq_round_ms %.1f\n", phase,
                        double(monotonicNs() - hqNs) / 1e6);
        rig.proxy->clearCapture();
        const qint64 phaseNs = monotonicNs();
        t.restart();
        if (!dev.syncOnce(120000))
            die("the device's incremental sync");
        phaseS.append(double(t.nsecsElapsed()) / 1e9);
        if (breakdown)
            printBreakdown(qPrintable(QStringLiteral("incremental_%1").arg(phase)), *rig.proxy,
                           phaseNs, monotonicNs());
        phaseWire.append(double(rig.wireBytes()));
        for (const QJsonValue &v : changes) {
            const auto id = ids.value(idInPhase(
                contacts, position, v.toObject().value(QStringLiteral("id")).toString(), phase));
            auto rec = must(dev.records->record(id), "read");
            if (!rec ||
                rec->fields.value(QStringLiteral("notes")).value.toString() !=
                    notesInPhase(v.toObject().value(QStringLiteral("notes")).toString(), phase))
                die("a change did not reach the device");
        }
    }
    const double incrementalS = medianOf(phaseS);
    const qint64 incrementalWire = qint64(medianOf(phaseWire));

    std::printf("liaison_fresh_records: %lld (reported)\n", (long long)contacts.size());
    std::printf("liaison_fresh_s: %.4f (reported)\n", freshS);
    std::printf("liaison_fresh_wire_bytes: %lld (reported)\n", (long long)freshWire);
    std::printf("liaison_incremental_records: %lld (reported)\n", (long long)changes.size());
    std::printf("liaison_incremental_phases: %d (reported)\n", phases);
    std::printf("liaison_incremental_s: %.4f (reported)\n", incrementalS);
    std::printf("liaison_incremental_min_s: %.4f (reported)\n",
                *std::min_element(phaseS.cbegin(), phaseS.cend()));
    std::printf("liaison_incremental_max_s: %.4f (reported)\n",
                *std::max_element(phaseS.cbegin(), phaseS.cend()));
    std::printf("liaison_incremental_wire_bytes: %lld (reported)\n", (long long)incrementalWire);
}

// 10,000 one-field operations (the ten fields of the first 1,000 contacts, each its own operation:
// a create with the name, then one update per field, as Automerge's side makes 10,000 map puts),
// applied on a device store in one transaction.
void applyFigure(const QJsonObject &data, const QString &dir, int opCount)
{
    const QJsonArray contacts = data.value(QStringLiteral("contacts")).toArray();
    const int perRecord = 10;
    const int records = (opCount + perRecord - 1) / perRecord;
    if (contacts.size() < records)
        die("not enough contacts for the apply figure");
    TestClock clock;
    const auto hqId = crypto::randomFixed<crypto::Id16>();
    auto hqDb = openStore(dir + QStringLiteral("/apply-hq.db"), model::RecordStore::migrations());
    if (!hqDb)
        die("store");
    model::RecordStore hq(*hqDb, clock, hqId, model::ReplicaRole::Hq);
    must(hq.open(), "open");
    const QString scope = QStringLiteral("post:prague");
    must(hqDb->begin(), "begin");
    int made = 0;
    for (int i = 0; i < records && made < opCount; ++i) {
        model::FieldMap rest = fieldsOf(contacts.at(i).toObject());
        const QCborValue name = rest.take(QStringLiteral("name"));
        auto op =
            must(hq.create(model::RecordType::Contact, scope, {{QStringLiteral("name"), name}}),
                 "create");
        ++made;
        for (auto it = rest.cbegin(); it != rest.cend() && made < opCount; ++it, ++made)
            (void)must(hq.update(op.recordId, {{it.key(), it.value()}}), "update");
    }
    must(hqDb->commit(), "commit");
    auto pending = must(hq.pendingOutbox(opCount + 10), "outbox");
    QList<model::Operation> ops;
    for (const auto &e : pending)
        ops.append(e.op);
    if (ops.size() != opCount)
        die("operation count");

    // Best of three fresh device stores, as the Automerge side takes the best of three.
    double best = 0;
    for (int round = 0; round < 3; ++round) {
        auto devDb = openStore(dir + QStringLiteral("/apply-device-%1.db").arg(round),
                               model::RecordStore::migrations());
        if (!devDb)
            die("store");
        model::RecordStore device(*devDb, clock, crypto::randomFixed<crypto::Id16>(),
                                  model::ReplicaRole::Device);
        must(device.open(), "open");
        must(device.resetToSnapshot(QStringList{scope}, {}), "hold scope");
        QElapsedTimer t;
        t.start();
        must(devDb->begin(), "begin");
        (void)must(device.applyRemoteBatch(ops), "apply");
        must(devDb->commit(), "commit");
        const double ms = double(t.nsecsElapsed()) / 1e6;
        if (must(device.recordCount(), "count") != records)
            die("record count after apply");
        best = round == 0 ? ms : std::min(best, ms);
    }
    std::printf("liaison_apply_ops: %d (reported)\n", opCount);
    std::printf("liaison_apply_10k_ms: %.2f (reported)\n", best);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    test::prepareTestProcess();
    const QStringList args = app.arguments();
    int contacts = 10000;
    int changes = 100;
    int applyOps = 10000;
    int phases = 15;
    QString writeTo;
    bool breakdown = false;
    for (int i = 1; i < args.size(); ++i) {
        const QString &a = args.at(i);
        bool ok = true;
        if (a == QStringLiteral("--smoke")) {
            contacts = 200;
            changes = 10;
            applyOps = 1000;
            phases = 2;
        } else if (a == QStringLiteral("--contacts") && i + 1 < args.size()) {
            contacts = args.at(++i).toInt(&ok);
        } else if (a == QStringLiteral("--changes") && i + 1 < args.size()) {
            changes = args.at(++i).toInt(&ok);
        } else if (a == QStringLiteral("--incremental-phases") && i + 1 < args.size()) {
            phases = args.at(++i).toInt(&ok);
        } else if (a == QStringLiteral("--breakdown")) {
            breakdown = true;
        } else if (a == QStringLiteral("--write-dataset") && i + 1 < args.size()) {
            writeTo = args.at(++i);
        } else if (a == QStringLiteral("-h") || a == QStringLiteral("--help")) {
            std::printf("usage: bench_peers [--smoke] [--contacts N] [--changes N] "
                        "[--incremental-phases K] [--breakdown] [--write-dataset FILE]\n");
            return 0;
        } else {
            ok = false;
        }
        if (!ok || contacts < 1 || changes < 0 || changes > contacts || phases < 1 ||
            phases > 899 || (changes > 0 && phases > contacts / changes)) {
            std::fprintf(stderr, "bench_peers: bad argument %s (see --help)\n", qPrintable(a));
            return 2;
        }
    }
    const QJsonObject data = makeDataset(contacts, changes);
    if (!writeTo.isEmpty()) {
        QFile f(writeTo);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
            f.write(QJsonDocument(data).toJson(QJsonDocument::Compact)) < 0) {
            std::fprintf(stderr, "bench_peers: cannot write %s\n", qPrintable(writeTo));
            return 1;
        }
        return 0;
    }
    QTemporaryDir dir;
    syncFigures(data, dir, phases, breakdown);
    applyFigure(data, dir.path(), applyOps);
    std::fflush(stdout);
    return 0;
}
