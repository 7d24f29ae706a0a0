#include "relaybatch.h"

#include <QtEndian>

namespace liaison::protocol {

QByteArray encodeRelayBatch(const QList<RelayBatchItem> &items)
{
    qsizetype total = 0;
    for (const auto &i : items)
        total += 12 + i.data.size();
    QByteArray out;
    out.reserve(total);
    for (const auto &i : items) {
        char head[12];
        qToBigEndian<quint64>(quint64(i.key), head);
        qToBigEndian<quint32>(quint32(i.data.size()), head + 8);
        out.append(head, 12);
        out.append(i.data);
    }
    return out;
}

Result<QList<RelayBatchItem>> decodeRelayBatch(QByteArrayView bytes, int maxItems,
                                               qsizetype maxItemBytes)
{
    QList<RelayBatchItem> out;
    qsizetype at = 0;
    while (at < bytes.size()) {
        if (bytes.size() - at < 12)
            return fail(Errc::Malformed, QStringLiteral("truncated batch item header"));
        const quint64 key = qFromBigEndian<quint64>(bytes.data() + at);
        const quint32 len = qFromBigEndian<quint32>(bytes.data() + at + 8);
        at += 12;
        if (qsizetype(len) > maxItemBytes || qsizetype(len) > bytes.size() - at)
            return fail(Errc::Malformed, QStringLiteral("batch item length out of bounds"));
        if (!out.isEmpty() && key <= out.last().key)
            return fail(Errc::Malformed, QStringLiteral("batch keys not increasing"));
        if (out.size() >= maxItems)
            return fail(Errc::Malformed, QStringLiteral("too many batch items"));
        out.append({key, bytes.sliced(at, len).toByteArray()});
        at += len;
    }
    return out;
}

} // namespace liaison::protocol
