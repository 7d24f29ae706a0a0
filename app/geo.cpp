#include "geo.h"

#include <QCoreApplication>

#include <cmath>
#include <numbers>

namespace liaison::app {

namespace {
double radians(double degrees)
{
    return degrees * std::numbers::pi / 180.0;
}
} // namespace

double distanceMetres(double lat1, double lon1, double lat2, double lon2)
{
    const double dLat = radians(lat2 - lat1);
    const double dLon = radians(lon2 - lon1);
    const double a =
        std::sin(dLat / 2) * std::sin(dLat / 2) +
        std::cos(radians(lat1)) * std::cos(radians(lat2)) * std::sin(dLon / 2) * std::sin(dLon / 2);
    return 2 * kEarthRadiusMetres * std::atan2(std::sqrt(a), std::sqrt(1 - a));
}

double bearingDegrees(double lat1, double lon1, double lat2, double lon2)
{
    const double phi1 = radians(lat1);
    const double phi2 = radians(lat2);
    const double dLon = radians(lon2 - lon1);
    const double y = std::sin(dLon) * std::cos(phi2);
    const double x =
        std::cos(phi1) * std::sin(phi2) - std::sin(phi1) * std::cos(phi2) * std::cos(dLon);
    const double degrees = std::atan2(y, x) * 180.0 / std::numbers::pi;
    return std::fmod(degrees + 360.0, 360.0);
}

QString compassPoint(double bearing)
{
    static const char *const points[] = {"N", "NE", "E", "SE", "S", "SW", "W", "NW"};
    const int i = int(std::lround(std::fmod(bearing + 360.0, 360.0) / 45.0)) % 8;
    return QString::fromLatin1(points[i]);
}

QString formatDistance(double metres)
{
    if (metres < 1000)
        return QCoreApplication::translate("Geo", "%1 m").arg(qint64(std::lround(metres)));
    if (metres < 10'000)
        return QCoreApplication::translate("Geo", "%1 km").arg(metres / 1000.0, 0, 'f', 1);
    return QCoreApplication::translate("Geo", "%1 km").arg(qint64(std::lround(metres / 1000.0)));
}

} // namespace liaison::app
