#pragma once

// Demo data for the demo script, the app's first run in demo mode and the benchmarks.
//
// The Czech International Police Cooperation Directorate's contact points are its published ones
// (address, secretariat, 24/7 permanent service, fax, e-mail); the channel desks (Interpol NCB,
// Europol, SIRENE, Frontex, liaison officers, delegations) are reached through that 24/7 service.
// Everything else - officers at posts, cases, instructions, visit schedules - is fictional and
// marked so; generated people have addresses in the reserved .example domain and no phone
// numbers of their own.

#include "error.h"
#include "model/operation.h"
#include "model/recordstore.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace liaison::model::demo {

inline constexpr const char *kScopeHq = "post:prague-hq";
inline constexpr const char *kScopeVienna = "post:vienna";
inline constexpr const char *kScopeBrussels = "post:brussels";
inline constexpr const char *kScopeVisit = "visit:2026-12-brussels";
[[nodiscard]] QStringList scopes();

struct Counts
{
    int contacts = 0;
    int cases = 0;
    int instructions = 0;
    int schedule = 0;
};

// Fills HQ's store through ordinary local edits (so they sit in HQ's outbox for fan-out):
// the directorate's contact points and channel desks, officers at posts, cases, instructions
// and the Brussels visit schedule. `extraContacts` generated contacts are spread over the posts.
[[nodiscard]] Result<Counts> populate(RecordStore &hq, qint64 nowMs, int extraContacts = 0);

// The directorate's real contact points and channel desks as Contact field maps.
[[nodiscard]] QList<FieldMap> directorateContacts(qint64 lastVerifiedMs);

// `count` realistic Contact create operations (deterministic content, fresh ids) in one scope,
// stamped (startMs, counter...) by `origin`: what a large DELTA or a benchmark carries.
[[nodiscard]] QList<Operation> generateContacts(int count, const QString &scope,
                                                const crypto::Id16 &origin, qint64 startMs);

} // namespace liaison::model::demo
