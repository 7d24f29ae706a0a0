#pragma once

// DESIGN.md "Data": test fixture records for the app's tests (tests/qml): the public contact
// points of the International Police Cooperation Directorate of the Police of the Czech Republic
// (as published on its web page), plus clearly marked fictional case summaries, instructions,
// foreign counterparts and a delegation visit schedule, created straight in an HQ replica. The
// same records as scripts/demo-data/ (the files scripts/demo imports through liaison-hq), here
// with times relative to `nowMs` so the schedule is always upcoming.

#include "error.h"
#include "model/recordstore.h"

#include <QStringList>

namespace liaison::test::directorate {

inline constexpr char kPostScope[] = "post:vienna";
inline constexpr char kVisitScope[] = "visit:delegation-prague";

struct SeedCounts
{
    int contacts = 0;
    int cases = 0;
    int instructions = 0;
    int scheduleItems = 0;
};

[[nodiscard]] QStringList scopes();

// Creates every fixture record in `hq` (an HQ replica; it holds every scope).
[[nodiscard]] Result<SeedCounts> seedDirectorate(model::RecordStore &hq, qint64 nowMs);

// An edit HQ makes after the device received its first snapshot: the working lunch moves and is
// marked "changed". Travels to the device as a DELTA.
[[nodiscard]] Status editAfterDelivery(model::RecordStore &hq, qint64 nowMs);

} // namespace liaison::test::directorate
