import QtQuick
import QtQuick.Controls
import Liaison

// The small capitals heading of a section inside a card.
Label {
    topPadding: 12
    bottomPadding: 2
    color: Theme.accent
    font.pixelSize: 12
    font.weight: Font.DemiBold
    font.letterSpacing: 1
    font.capitalization: Font.AllUppercase
}
