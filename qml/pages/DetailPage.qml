pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import Liaison

// The records of a list one at a time, as cards: swipe sideways to the previous or next one.
Page {
    id: root

    required property StoreListModel records
    required property Component card
    required property int startIndex

    readonly property int currentIndex: cards.currentIndex
    readonly property Item currentCard: cards.currentItem

    objectName: "detailPage"
    background: Rectangle { color: Theme.background }

    ListView {
        id: cards
        anchors.fill: parent
        orientation: ListView.Horizontal
        snapMode: ListView.SnapOneItem
        highlightRangeMode: ListView.StrictlyEnforceRange
        highlightMoveDuration: 0
        boundsBehavior: Flickable.StopAtBounds
        clip: true
        model: root.records
        delegate: root.card
        Component.onCompleted: {
            cards.currentIndex = root.startIndex
            cards.positionViewAtIndex(root.startIndex, ListView.Beginning)
        }
    }
}
