// No `pragma ComponentBehavior: Bound` here: Qt 6.4's ListView creates section delegates in a
// context of its own and refuses bound components for them.
import QtQuick
import QtQuick.Controls
import Liaison

// The contact list as the Contacts page shows it, and as bench_ui measures it: sections by the
// model's grouping; delegates are reused (flicking, and a search that changes the rows) rather
// than destroyed and created anew.
ListView {
    id: list

    signal opened(int row)
    signal callRequested(string number)

    clip: true
    reuseItems: true
    section.property: "section"
    // The header reads `section` from its context, not as a required property: Qt 6.4's
    // ListView takes headers it made before from a cache and updates only the context property,
    // so a required one would keep the old text when rows are removed and inserted.
    section.delegate: Label {
        objectName: "contactSection"
        width: ListView.view.width
        leftPadding: Theme.margin
        topPadding: 10
        bottomPadding: 4
        text: section
        color: Theme.accent
        font.weight: Font.DemiBold
    }
    delegate: ContactDelegate {
        onOpened: row => list.opened(row)
        onCallRequested: number => list.callRequested(number)
    }
    ScrollIndicator.vertical: ScrollIndicator {}
}
