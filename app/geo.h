#pragma once

// Distance and bearing between two WGS 84 positions for the schedule card ("1.2 km, bearing 45°
// NE"): great-circle (haversine) on a sphere of the mean Earth radius, good to about 0.5 % at the
// distances an escort walks or drives.

#include <QString>

namespace liaison::app {

inline constexpr double kEarthRadiusMetres = 6'371'008.8;

[[nodiscard]] double distanceMetres(double lat1, double lon1, double lat2, double lon2);
// Initial bearing from the first position to the second, degrees clockwise from true north in
// [0, 360).
[[nodiscard]] double bearingDegrees(double lat1, double lon1, double lat2, double lon2);
// "N", "NE", ... "NW" for a bearing.
[[nodiscard]] QString compassPoint(double bearing);
// "850 m", "1.2 km", "37 km".
[[nodiscard]] QString formatDistance(double metres);

} // namespace liaison::app
