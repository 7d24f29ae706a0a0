#pragma once

// Issue 12 tests 1-3 (DESIGN.md "Keys", "Hardening"): where secrets and records could be left
// behind by the app. Header-only, Qt Core only, so that the product build's memory test
// (LIAISON_RESIDUE_TEST, scripts/check-product) links nothing of the test support.
//  - Canary: a secret or a record text and every form it is searched in (raw, hex, HEX, base64,
//    UTF-16 of the raw text and of the hex).
//  - scanFiles: every regular file under a root, searched for every form; files not 0600 or
//    stricter and folders not 0700 or stricter.
//  - scanProcessMemory: another process's readable private mappings (/proc/PID/maps +
//    /proc/PID/mem), searched for every form, each hit named by the mapping it lies in.
//  - coordinatesIn: anything in a text that looks like the NMEA fixture's position
//    (tests/fixtures/position/brussels-visit.nmea: 50°50.58'N 4°22.96'E, the Berlaymont).

#include <QByteArray>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QList>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <sys/stat.h>

namespace liaison::residue {

struct Form
{
    QString name; // "passphrase (hex)"
    QByteArray bytes;
};

struct Canary
{
    QString name;     // "passphrase", "database key", "contact name"
    QByteArray bytes; // the raw secret or the UTF-8 record text
    bool text = false;
};

inline QByteArray utf16(const QByteArray &latin)
{
    const QString s = QString::fromUtf8(latin);
    return QByteArray(reinterpret_cast<const char *>(s.utf16()), s.size() * 2);
}

inline QList<Form> formsOf(const Canary &c)
{
    QList<Form> out;
    const QByteArray hex = c.bytes.toHex();
    out.append({c.name + QStringLiteral(" (raw)"), c.bytes});
    out.append({c.name + QStringLiteral(" (hex)"), hex});
    out.append({c.name + QStringLiteral(" (HEX)"), hex.toUpper()});
    out.append({c.name + QStringLiteral(" (base64)"), c.bytes.toBase64()});
    out.append({c.name + QStringLiteral(" (base64url)"),
                c.bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)});
    out.append({c.name + QStringLiteral(" (UTF-16)"), utf16(c.bytes)});
    out.append({c.name + QStringLiteral(" (hex, UTF-16)"), utf16(hex)});
    out.append({c.name + QStringLiteral(" (HEX, UTF-16)"), utf16(hex.toUpper())});
    if (!c.text) // a binary secret's bytes are no text: UTF-16 of them means nothing
        out.removeIf([](const Form &f) { return f.name.endsWith(QLatin1String("(UTF-16)")); });
    return out;
}

inline QList<Form> formsOf(const QList<Canary> &canaries)
{
    QList<Form> out;
    for (const Canary &c : canaries)
        out.append(formsOf(c));
    return out;
}

struct Hit
{
    QString where; // a file path, or a mapping ("[heap]", "anon 7f..-7f..", "/usr/lib/...")
    QString form;  // Form::name
    qsizetype offset = 0;
};

inline QList<Hit> search(const QByteArray &haystack, const QString &where, const QList<Form> &forms)
{
    QList<Hit> hits;
    for (const Form &f : forms) {
        if (f.bytes.isEmpty())
            continue;
        for (qsizetype at = haystack.indexOf(f.bytes); at >= 0;
             at = haystack.indexOf(f.bytes, at + 1))
            hits.append({where, f.name, at});
    }
    return hits;
}

struct FileScan
{
    QStringList files;     // every regular file seen (absolute paths)
    QList<Hit> hits;       // forms found in them
    QStringList looseMode; // "path: mode 0644" for files not 0600 or stricter, folders not 0700
};

// Every entry under `root` (hidden ones too; symbolic links are listed, not followed).
inline FileScan scanFiles(const QString &root, const QList<Form> &forms)
{
    FileScan out;
    QDirIterator it(root, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        struct stat st = {};
        if (::lstat(QFile::encodeName(path).constData(), &st) != 0)
            continue;
        const unsigned mode = st.st_mode & 07777;
        if ((mode & 077) != 0 && !S_ISLNK(st.st_mode))
            out.looseMode.append(
                QStringLiteral("%1: mode 0%2").arg(path).arg(mode, 3, 8, QLatin1Char('0')));
        if (!S_ISREG(st.st_mode))
            continue;
        out.files.append(path);
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            out.hits.append({path, QStringLiteral("<unreadable>"), 0});
            continue;
        }
        out.hits.append(search(f.readAll(), path, forms));
    }
    return out;
}

struct Mapping
{
    quintptr start = 0;
    quintptr end = 0;
    QString perms;
    QString name; // path, "[heap]", "[stack]", "" for anonymous
};

// The mappings of `pid` worth a look: readable and private; not the read-only or executable
// images of files (the program's and the libraries' text and constants), not [vvar]/[vsyscall].
inline QList<Mapping> privateMappings(qint64 pid)
{
    QList<Mapping> out;
    QFile maps(QStringLiteral("/proc/%1/maps").arg(pid));
    if (!maps.open(QIODevice::ReadOnly))
        return out;
    const QList<QByteArray> lines = maps.readAll().split('\n');
    for (const QByteArray &line : lines) {
        const QList<QByteArray> parts = line.simplified().split(' ');
        if (parts.size() < 5)
            continue;
        const QList<QByteArray> range = parts[0].split('-');
        Mapping m;
        m.start = range.value(0).toULongLong(nullptr, 16);
        m.end = range.value(1).toULongLong(nullptr, 16);
        m.perms = QString::fromLatin1(parts[1]);
        m.name = parts.size() >= 6 ? QString::fromUtf8(parts.mid(5).join(' ')) : QString();
        if (!m.perms.startsWith(QLatin1Char('r')) || m.perms.at(3) != QLatin1Char('p'))
            continue;
        if (m.name == QLatin1String("[vvar]") || m.name == QLatin1String("[vsyscall]"))
            continue;
        const bool fileImage = m.name.startsWith(QLatin1Char('/'));
        if (fileImage && m.perms.at(1) != QLatin1Char('w'))
            continue;
        out.append(m);
    }
    return out;
}

inline QString describe(const Mapping &m)
{
    const QString range = QStringLiteral("%1-%2").arg(m.start, 0, 16).arg(m.end, 0, 16);
    return m.name.isEmpty() ? QStringLiteral("anon ") + range : m.name + QLatin1Char(' ') + range;
}

struct MemoryScan
{
    qint64 bytesRead = 0;
    int mappings = 0;
    QList<Hit> hits;
    QStringList skipped; // mappings over the size limit: "anon 7f..-7f.. (16 TiB)"
    QString error;
};

// Reads every private mapping of `pid` through /proc/PID/mem (the caller must be allowed to
// ptrace it: its parent, same user, the child dumpable) and searches it, 64 MiB at a time (the
// pieces overlap by the longest form, so nothing is missed at a seam). A mapping larger than
// `maxMappingBytes` (0: no limit) is not read but named in `skipped`: AddressSanitizer's shadow
// is a readable mapping of terabytes that holds no byte of the program's data, only whether each
// byte may be accessed.
inline MemoryScan scanProcessMemory(qint64 pid, const QList<Form> &forms,
                                    quint64 maxMappingBytes = 0)
{
    MemoryScan out;
    QFile mem(QStringLiteral("/proc/%1/mem").arg(pid));
    if (!mem.open(QIODevice::ReadOnly | QIODevice::Unbuffered)) {
        out.error = QStringLiteral("cannot open /proc/%1/mem: %2").arg(pid).arg(mem.errorString());
        return out;
    }
    qint64 overlap = 0;
    QHash<QString, qsizetype> sizes;
    for (const Form &f : forms) {
        overlap = std::max(overlap, qint64(f.bytes.size()));
        sizes.insert(f.name, f.bytes.size());
    }
    constexpr qint64 kPiece = 64 << 20;
    for (const Mapping &m : privateMappings(pid)) {
        const quint64 size = m.end - m.start;
        if (maxMappingBytes != 0 && size > maxMappingBytes) {
            out.skipped.append(QStringLiteral("%1 (%2 GiB)")
                                   .arg(describe(m))
                                   .arg(double(size) / double(1ull << 30), 0, 'f', 0));
            continue;
        }
        bool readSome = false;
        quint64 readEnd = 0; // what the pieces before read of this mapping
        for (quint64 at = 0; at < size;) {
            const qint64 want = std::min<qint64>(kPiece, qint64(size - at));
            if (!mem.seek(qint64(m.start + at)))
                break;
            const QByteArray bytes = mem.read(want);
            if (bytes.isEmpty())
                break; // guard pages and the like
            readSome = true;
            out.bytesRead += bytes.size();
            for (Hit h : search(bytes, describe(m), forms)) {
                h.offset += qsizetype(at);
                // A hit wholly inside the piece before was counted there.
                if (h.offset + sizes.value(h.form) > qsizetype(readEnd))
                    out.hits.append(h);
            }
            const quint64 end = at + quint64(bytes.size());
            readEnd = end;
            if (end >= size)
                break;
            at = std::max(at + 1, end - quint64(std::max<qint64>(overlap - 1, 0)));
        }
        if (readSome)
            ++out.mappings;
    }
    if (out.mappings == 0)
        out.error = QStringLiteral("no mapping of %1 could be read").arg(pid);
    return out;
}

// The fixture's position in the forms a log could carry it: decimal degrees (50.843, 4.382, with
// a point or a comma), NMEA ddmm.mmmm (5050.5860, 00422.9620), degrees and minutes (50°50'),
// and the records' 1e-7 integers (508431000, 43827000).
// Non-ASCII: the degree sign is matched as UTF-8 text decoded by the caller.
inline QStringList coordinatesIn(const QString &text)
{
    static const QRegularExpression re(
        QStringLiteral(R"((?<![\d.])(50[.,]8[34]\d*|4[.,]3[6-9]\d*|50[45]\d\.\d+|0?042[0-9]\.\d+|)"
                       R"(50\s*°\s*5\d|4\s*°\s*2[0-4]|508[34]\d{5}|438\d{5})(?![\d]))"));
    QStringList out;
    auto it = re.globalMatch(text);
    while (it.hasNext())
        out.append(it.next().captured(1));
    return out;
}

} // namespace liaison::residue
