// bench_store: the cost of encryption in the vault's SQLCipher store (issue 2, "Benchmark").
// Prints four ratios measured in one run (stdout); details go to stderr.
//   --smoke            tiny sizes and the test KDF profile (ctest)
//   --rows N           contacts (default 100000)
//   --page-size N      cipher_page_size / page_size (default 4096)
//   --cache-kib N      PRAGMA cache_size in KiB (default 32768)
//   --batch N          rows per transaction (default 1000)

#include "crypto/crypto.h"
#include "desktop/softwarekeystore.h"
#include "device/devicestore.h"
#include "heldcontacts.h"
#include "model/recordstore.h"
#include "splitmix.h"
#include "store/database.h"
#include "testmain.h"
#include "vault/vault.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <vector>

using namespace liaison;

namespace {

using bench::SplitMix;

const char *const kFirst[] = {
    "Anna",   "Lukas",  "Marie", "Jonas",  "Sofia",   "Mateo",  "Elena", "Piotr",  "Katarzyna",
    "Jan",    "Eva",    "Ahmed", "Fatima", "Youssef", "Ines",   "João",  "Lucía",  "Carlos",
    "Giulia", "Marco",  "Chloé", "Louis",  "Emma",    "Noah",   "Olga",  "Dmitri", "Ayşe",
    "Mehmet", "Eleni",  "Nikos", "Sanna",  "Mikko",   "Ingrid", "Lars",  "Zsófia", "Bence",
    "Ioana",  "Andrei", "Petra", "Tomáš",  "Aoife",   "Seán",   "Maja",  "Luka",   "Amira",
    "Kwame",  "Li",     "Wei",   "Priya",  "Arjun",
};
const char *const kSyllables[] = {
    "ber",  "kow",   "al",  "ski",   "mann", "son", "ner",   "ova",  "ić",    "escu",
    "lli",  "ez",    "ard", "ton",   "wick", "hof", "stein", "berg", "ov",    "enko",
    "aki",  "ou",    "ida", "ner",   "ler",  "dal", "vik",   "sen",  "gaard", "rossi",
    "bian", "chi",   "mar", "tin",   "gar",  "cia", "lo",    "pez",  "mül",   "sch",
    "mid",  "weber", "wag", "fisch", "bau",  "kra", "nov",   "vac",  "ho",    "rak",
};
const char *const kOrgs[] = {
    "Interpol NCB",
    "Europol Liaison Bureau",
    "SIRENE Bureau",
    "Frontex",
    "Bundeskriminalamt",
    "Police nationale",
    "Guardia Civil",
    "Carabinieri",
    "Policía Nacional",
    "Politie",
    "Ministry of the Interior",
    "Embassy",
    "Border Guard",
    "Customs",
    "Prosecutor's Office",
    "Gendarmerie",
    "National Crime Agency",
    "Polícia Judiciária",
    "Garda Síochána",
    "Rikspolisen",
};
const char *const kCountries[] = {
    "Austria",     "Belgium", "Bulgaria",  "Croatia",         "Cyprus",  "Czechia",     "Denmark",
    "Estonia",     "Finland", "France",    "Germany",         "Greece",  "Hungary",     "Ireland",
    "Italy",       "Latvia",  "Lithuania", "Luxembourg",      "Malta",   "Netherlands", "Poland",
    "Portugal",    "Romania", "Slovakia",  "Slovenia",        "Spain",   "Sweden",      "Norway",
    "Switzerland", "Albania", "Serbia",    "North Macedonia", "Morocco", "Tunisia",     "Türkiye",
    "Ukraine",     "Moldova", "Georgia",
};
const char *const kRoles[] = {
    "Liaison officer", "Desk officer", "Duty officer", "Head of unit",           "Analyst",
    "Investigator",    "Attaché",      "Deputy head",  "Operations coordinator", "Legal adviser"};
const char *const kNotes[] = {
    "Reachable 24/7 through the duty desk; prefers calls before 18:00 local time.",
    "Speaks English and French. Handles extradition requests and EAW follow-up.",
    "Contact for escort planning during official visits; coordinate with protocol.",
    "Met at the regional conference; responsive on secure e-mail only.",
    "Covers cybercrime and financial investigations, weekdays only.",
    "Backup: the deputy head of unit. Do not use the fax number after 2025.",
};

struct Contact
{
    QString name, org, role, country, phones, emails, notes;
};

QString surname(SplitMix &r)
{
    QString s = QString::fromUtf8(r.pick(kSyllables)) + QString::fromUtf8(r.pick(kSyllables));
    if (r.below(3) == 0)
        s += QString::fromUtf8(r.pick(kSyllables));
    s[0] = s[0].toUpper();
    return s;
}

Contact makeContact(SplitMix &r)
{
    Contact c;
    const QString first = QString::fromUtf8(r.pick(kFirst));
    const QString last = surname(r);
    c.name = first + QLatin1Char(' ') + last;
    c.country = QString::fromUtf8(r.pick(kCountries));
    c.org = QString::fromUtf8(r.pick(kOrgs)) + QLatin1Char(' ') + c.country;
    c.role = QString::fromUtf8(r.pick(kRoles));
    c.phones = QStringLiteral("[{\"label\":\"office\",\"number\":\"+%1 %2 %3 %4\",\"h24\":%5}]")
                   .arg(30 + r.below(70))
                   .arg(1 + r.below(99))
                   .arg(100 + r.below(900))
                   .arg(1000 + r.below(9000))
                   .arg(r.below(4) == 0 ? QStringLiteral("true") : QStringLiteral("false"));
    c.emails =
        first.toLower() + QLatin1Char('.') + last.toLower() + QStringLiteral("@agency.example");
    c.notes = QString::fromUtf8(r.pick(kNotes));
    return c;
}

int g_ftsVariant = 0; // 0: prefix="2,3", 1: prefix="2,3,4", 2: no prefix index

Status schema(store::Database &db)
{
    if (auto s = db.execute("CREATE TABLE contact (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                            "organisation TEXT, role TEXT, country TEXT, phones TEXT, emails TEXT, "
                            "notes TEXT, updated_ms INTEGER NOT NULL)");
        !s)
        return s;
    switch (g_ftsVariant) {
    case 1:
        return db.execute("CREATE VIRTUAL TABLE contact_fts USING fts4(name, organisation, role, "
                          "country, tokenize=unicode61, prefix=\"2,3,4\")");
    case 2:
        return db.execute("CREATE VIRTUAL TABLE contact_fts USING fts4(name, organisation, role, "
                          "country, tokenize=unicode61)");
    default:
        return db.execute("CREATE VIRTUAL TABLE contact_fts USING fts4(name, organisation, role, "
                          "country, tokenize=unicode61, prefix=\"2,3\")");
    }
}

struct Config
{
    bool smoke = false;
    int rows = 100'000;
    int pageSize = 4096;
    int cacheKiB = 32768;
    int batch = 1000;
    int reads = 200'000;
    int searches = 200;
    crypto::KdfParams kdf{3, 64ull << 20};
    int kdfRuns = 5;
    bool optimize = true;
};

store::OpenOptions dbOptions(const Config &c, bool create)
{
    store::OpenOptions o;
    o.create = create;
    o.pageSize = c.pageSize;
    o.cacheSizeKiB = c.cacheKiB;
    o.migrations = {schema};
    return o;
}

// Rows per second.
Result<double> insertAll(store::Database &db, const std::vector<Contact> &contacts, int batch)
{
    auto ins = db.prepare("INSERT INTO contact (name, organisation, role, country, phones, emails, "
                          "notes, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    auto fts = db.prepare("INSERT INTO contact_fts (docid, name, organisation, role, country) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!ins || !fts)
        return fail(Errc::Internal, QStringLiteral("prepare failed"));
    QElapsedTimer t;
    t.start();
    for (std::size_t i = 0; i < contacts.size(); i += std::size_t(batch)) {
        if (auto s = db.begin(); !s)
            return std::unexpected(s.error());
        for (std::size_t j = i; j < std::min(contacts.size(), i + std::size_t(batch)); ++j) {
            const Contact &c = contacts[j];
            if (auto s = ins->bind(1, c.name)
                             .bind(2, c.org)
                             .bind(3, c.role)
                             .bind(4, c.country)
                             .bind(5, c.phones)
                             .bind(6, c.emails)
                             .bind(7, c.notes)
                             .bind(8, std::int64_t(1'750'000'000'000 + std::int64_t(j)))
                             .exec();
                !s)
                return std::unexpected(s.error());
            if (auto s = fts->bind(1, db.lastInsertRowId())
                             .bind(2, c.name)
                             .bind(3, c.org)
                             .bind(4, c.role)
                             .bind(5, c.country)
                             .exec();
                !s)
                return std::unexpected(s.error());
        }
        if (auto s = db.commit(); !s)
            return std::unexpected(s.error());
    }
    return double(contacts.size()) / (double(t.nsecsElapsed()) / 1e9);
}

// Point reads per second over random ids, after one warm-up pass of the same ids.
Result<double> pointReads(store::Database &db, int rows, int reads)
{
    auto st = db.prepare("SELECT name, organisation, role, country, phones, emails, notes "
                         "FROM contact WHERE id = ?1");
    if (!st)
        return std::unexpected(st.error());
    SplitMix r{42};
    std::vector<std::int64_t> ids(static_cast<std::size_t>(reads));
    for (auto &id : ids)
        id = 1 + r.below(rows);
    qint64 bytes = 0;
    for (int pass = 0; pass < 2; ++pass) {
        QElapsedTimer t;
        t.start();
        for (std::int64_t id : ids) {
            st->bind(1, id);
            auto row = st->step();
            if (!row || !*row)
                return fail(Errc::Internal, QStringLiteral("missing row"));
            bytes += st->columnText(0).size() + st->columnText(6).size();
            st->reset();
        }
        if (pass == 1) {
            const double rate = double(reads) / (double(t.nsecsElapsed()) / 1e9);
            std::fprintf(stderr, "  (read %lld characters)\n", (long long)bytes);
            return rate;
        }
    }
    return 0.0;
}

double percentile95(std::vector<qint64> v)
{
    std::sort(v.begin(), v.end());
    return double(v[std::min(v.size() - 1, std::size_t(double(v.size()) * 0.95))]);
}

// Runs a query to the end; returns the number of rows, or -1 on error.
qint64 drain(store::Statement &st)
{
    qint64 n = 0;
    for (;;) {
        auto row = st.step();
        if (!row)
            return -1;
        if (!*row)
            break;
        ++n;
    }
    st.reset();
    return n;
}

// p95 of FTS4 prefix searches and of the same searches as LIKE scans, in ns. Each search runs
// three times and keeps its fastest time, so that a busy machine's preemptions do not decide
// the percentile.
Result<std::pair<double, double>> searches(store::Database &db, int count, qint64 *ftsHits)
{
    auto fts = db.prepare("SELECT docid FROM contact_fts WHERE contact_fts MATCH ?1");
    auto like = db.prepare("SELECT id FROM contact WHERE name LIKE ?1 OR name LIKE ?2 OR "
                           "organisation LIKE ?1 OR organisation LIKE ?2 OR role LIKE ?1 OR "
                           "role LIKE ?2 OR country LIKE ?1 OR country LIKE ?2");
    if (!fts || !like)
        return fail(Errc::Internal, QStringLiteral("prepare failed"));
    SplitMix r{7};
    std::vector<qint64> tf, tl;
    qint64 hitsF = 0, hitsL = 0;
    for (int i = 0; i < count + 5; ++i) {
        const QString prefix = surname(r).left(3 + r.below(2)).toLower();
        qint64 bestF = std::numeric_limits<qint64>::max(), bestL = bestF, n = 0, m = 0;
        for (int rep = 0; rep < 3; ++rep) {
            QElapsedTimer t;
            t.start();
            fts->bind(1, prefix + QLatin1Char('*'));
            n = drain(*fts);
            bestF = std::min(bestF, t.nsecsElapsed());
            t.restart();
            like->bind(1, prefix + QLatin1Char('%'))
                .bind(2, QStringLiteral("% ") + prefix + QLatin1Char('%'));
            m = drain(*like);
            bestL = std::min(bestL, t.nsecsElapsed());
            if (n < 0 || m < 0)
                return fail(Errc::Internal, QStringLiteral("search failed"));
        }
        if (i >= 5) { // the first few warm the cache
            tf.push_back(bestF);
            tl.push_back(bestL);
            hitsF += n;
            hitsL += m;
        }
    }
    *ftsHits = hitsF;
    std::fprintf(stderr, "  search: %d prefixes, FTS hits %lld, LIKE hits %lld\n", count,
                 (long long)hitsF, (long long)hitsL);
    if (hitsF != hitsL)
        return fail(Errc::Internal, QStringLiteral("FTS and LIKE disagree"));
    return std::make_pair(percentile95(tf), percentile95(tl));
}

// p95 of the app's own contact search, in ns: RecordStore::matchContacts, what the contact
// list runs at each keystroke, over the device schema's search index. The same prefixes as
// searches(), best of three each; its hits must be the LIKE scan's.
Result<double> appSearches(const model::RecordStore &records, int count, qint64 likeHits)
{
    SplitMix r{7};
    std::vector<qint64> times;
    qint64 hits = 0;
    for (int i = 0; i < count + 5; ++i) {
        const QString prefix = surname(r).left(3 + r.below(2)).toLower();
        qint64 best = std::numeric_limits<qint64>::max(), n = 0;
        for (int rep = 0; rep < 3; ++rep) {
            QElapsedTimer t;
            t.start();
            auto found = records.matchContacts(prefix);
            best = std::min(best, t.nsecsElapsed());
            if (!found)
                return std::unexpected(found.error());
            n = found->size();
        }
        if (i >= 5) {
            times.push_back(best);
            hits += n;
        }
    }
    std::fprintf(stderr, "  the app's search: %d prefixes, hits %lld\n", count, (long long)hits);
    if (hits != likeHits)
        return fail(Errc::Internal, QStringLiteral("the app's search and LIKE disagree"));
    return percentile95(times);
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

int run(const Config &c)
{
    QTemporaryDir tmp;
    if (!tmp.isValid())
        return 2;
    std::fprintf(stderr,
                 "bench_store: rows %d, page %d, cache %d KiB, batch %d, KDF ops %u mem %llu MiB\n",
                 c.rows, c.pageSize, c.cacheKiB, c.batch, c.kdf.opslimit,
                 (unsigned long long)(c.kdf.memlimit >> 20));
    SplitMix r{2026};
    std::vector<Contact> contacts;
    contacts.reserve(std::size_t(c.rows));
    for (int i = 0; i < c.rows; ++i)
        contacts.push_back(makeContact(r));

    // --- the vault: its database is the encrypted side of every comparison
    platform::SoftwareKeyStore keyStore(tmp.filePath(QStringLiteral("keystore")));
    liaison::SystemClock clock;
    vault::VaultOptions vo;
    vo.kdf = c.kdf;
    vo.database = dbOptions(c, true);
    // Timestamps inside unlock: attempt recorded, Argon2id finished.
    QElapsedTimer clockIn;
    clockIn.start();
    qint64 stepAt[3] = {0, 0, 0};
    vo.unlockHook = [&](vault::UnlockStep s) {
        if (int(s) >= 1 && int(s) <= 2)
            stepAt[int(s)] = clockIn.nsecsElapsed();
    };
    const QByteArray passphrase = "tide orbit nickel frog lantern";
    const QString vaultDir = tmp.filePath(QStringLiteral("vault"));
    auto v = vault::Vault::create(vaultDir, crypto::SecretBytes::copyOf(passphrase), keyStore,
                                  clock, vo);
    if (!v) {
        std::fprintf(stderr, "vault: %s\n", qPrintable(v.error().message));
        return 1;
    }
    auto plain = store::Database::openUnencryptedForComparison(
        tmp.filePath(QStringLiteral("plain.db")), dbOptions(c, true));
    if (!plain) {
        std::fprintf(stderr, "plain: %s\n", qPrintable(plain.error().message));
        return 1;
    }
    store::Database &enc = *(*v)->database();

    // Inserts: alternate halves so neither side profits from a warmer disk.
    auto insP = insertAll(**plain, contacts, c.batch);
    auto insE = insertAll(enc, contacts, c.batch);
    if (!insP || !insE) {
        std::fprintf(stderr, "insert failed: %s\n",
                     qPrintable((!insP ? insP.error() : insE.error()).message));
        return 1;
    }
    std::fprintf(stderr, "  insert: plain %.0f rows/s, encrypted %.0f rows/s\n", *insP, *insE);
    // After a bulk load (a scope snapshot) the app merges the FTS segments once.
    if (c.optimize) {
        QElapsedTimer ot;
        ot.start();
        if (!enc.execute("INSERT INTO contact_fts(contact_fts) VALUES('optimize')"))
            return 1;
        std::fprintf(stderr, "  FTS optimize: %.0f ms\n", double(ot.elapsed()));
    }
    if (!enc.checkpoint() || !(*plain)->checkpoint())
        return 1;

    auto readP = pointReads(**plain, c.rows, c.reads);
    auto readE = pointReads(enc, c.rows, c.reads);
    if (!readP || !readE)
        return 1;
    std::fprintf(stderr, "  point reads: plain %.0f /s, encrypted %.0f /s\n", *readP, *readE);

    qint64 hits = 0;
    auto search = searches(enc, c.searches, &hits);
    if (!search) {
        std::fprintf(stderr, "search failed: %s\n", qPrintable(search.error().message));
        return 1;
    }
    std::fprintf(stderr, "  p95: FTS4 prefix (bench table) %.3f ms, LIKE scan %.3f ms\n",
                 search->first / 1e6, search->second / 1e6);

    // --- the app's search: the same contacts held as the app holds them
    double appP95 = 0;
    {
        QElapsedTimer ht;
        ht.start();
        auto hqDb = bench::openStore(tmp.filePath(QStringLiteral("hq.db")),
                                     model::RecordStore::migrations());
        auto devDb =
            bench::openStore(tmp.filePath(QStringLiteral("device.db")), device::deviceMigrations());
        auto records = bench::holdContacts(*hqDb, *devDb, clock, c.rows, [&](int i) {
            const Contact &k = contacts[std::size_t(i)];
            model::FieldMap f;
            f.insert(QStringLiteral("name"), k.name);
            f.insert(QStringLiteral("organisation"), k.org);
            f.insert(QStringLiteral("role"), k.role);
            f.insert(QStringLiteral("country"), k.country);
            return f;
        });
        hqDb.reset();
        std::fprintf(stderr, "  %d contacts held as the app holds them in %.1f s\n", c.rows,
                     double(ht.elapsed()) / 1e3);
        auto app = appSearches(*records, c.searches, hits);
        if (!app) {
            std::fprintf(stderr, "the app's search failed: %s\n", qPrintable(app.error().message));
            return 1;
        }
        appP95 = *app;
        std::fprintf(stderr, "  p95: the app's search %.3f ms\n", appP95 / 1e6);
    }
    plain->reset();

    // --- unlock vs bare Argon2id, same parameters, alternating runs
    (*v)->lock();
    std::vector<double> bare, unlock, pre, post;
    const crypto::Salt16 salt = crypto::randomFixed<crypto::Salt16>();
    for (int i = 0; i < c.kdfRuns; ++i) {
        QElapsedTimer t;
        t.start();
        auto k = crypto::crypto_pwhash_argon2id(passphrase, salt, c.kdf, 32);
        bare.push_back(double(t.nsecsElapsed()));
        if (!k)
            return 1;
        t.restart();
        const qint64 startedAt = clockIn.nsecsElapsed();
        if (auto s = (*v)->unlock(crypto::SecretBytes::copyOf(passphrase)); !s) {
            std::fprintf(stderr, "unlock: %s\n", qPrintable(s.error().message));
            return 1;
        }
        auto first = (*v)->database()->prepare("SELECT name FROM contact WHERE id = 1");
        if (!first || !first->step())
            return 1;
        unlock.push_back(double(t.nsecsElapsed()));
        pre.push_back(double(stepAt[1] - startedAt));
        post.push_back(double(clockIn.nsecsElapsed() - stepAt[2]));
        (*v)->lock();
    }
    {
        // Where the time beyond Argon2id goes: the lockout records and the database open.
        vault::Lockout probe(tmp.filePath(QStringLiteral("probe.lockout")), keyStore,
                             QStringLiteral("liaison-lockout-probe"), clock);
        QElapsedTimer t;
        t.start();
        (void)probe.recordAttempt();
        const double rec = double(t.nsecsElapsed()) / 1e6;
        t.restart();
        (void)probe.reset();
        const double rst = double(t.nsecsElapsed()) / 1e6;
        std::fprintf(stderr, "  lockout: record %.1f ms, reset %.1f ms\n", rec, rst);
    }
    std::fprintf(stderr, "  unlock median: before Argon2id %.1f ms, after it %.1f ms\n",
                 median(pre) / 1e6, median(post) / 1e6);
    std::fprintf(stderr, "  median: Argon2id %.1f ms, unlock+open+first read %.1f ms\n",
                 median(bare) / 1e6, median(unlock) / 1e6);

    std::printf("unlock_over_kdf: %.3f (goal <= 1.15)\n", median(unlock) / median(bare));
    std::printf("insert_encrypted_over_plain: %.3f (goal >= 0.7)\n", *insE / *insP);
    std::printf("read_encrypted_over_plain: %.3f (goal >= 0.9)\n", *readE / *readP);
    std::printf("fts_prefix_over_like: %.4f (goal <= 0.02; the app's search over a LIKE scan)\n",
                appP95 / search->second);
    std::fflush(stdout);
    return hits > 0 ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    liaison::test::prepareTestProcess();
    Config c;
    const QStringList args = QCoreApplication::arguments();
    for (int i = 1; i < args.size(); ++i) {
        const QString a = args[i];
        auto next = [&]() {
            return i + 1 < args.size() ? args[++i].toInt() : 0;
        };
        if (a == QLatin1String("--smoke"))
            c.smoke = true;
        else if (a == QLatin1String("--rows"))
            c.rows = next();
        else if (a == QLatin1String("--page-size"))
            c.pageSize = next();
        else if (a == QLatin1String("--cache-kib"))
            c.cacheKiB = next();
        else if (a == QLatin1String("--batch"))
            c.batch = next();
        else if (a == QLatin1String("--fts-variant"))
            g_ftsVariant = next();
        else if (a == QLatin1String("--no-optimize"))
            c.optimize = false;
        else if (a == QLatin1String("--kdf-mib"))
            c.kdf.memlimit = std::uint64_t(next()) << 20;
    }
    if (c.smoke) {
        c.rows = std::min(c.rows, 2000);
        c.reads = 5000;
        c.searches = 40;
        c.kdf = crypto::kTestKdfParams;
        c.kdfRuns = 3;
    }
    return run(c);
}
