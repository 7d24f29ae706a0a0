pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import Liaison

// Case summaries from HQ over Interpol, Europol, SIRENE and bilateral channels.
Page {
    id: root

    required property CaseModel cases

    signal opened(int row)

    objectName: "casesPage"
    background: Rectangle { color: Theme.surface }

    ListView {
        id: list
        anchors.fill: parent
        clip: true
        model: root.cases
        delegate: CaseDelegate {
            onOpened: row => root.opened(row)
        }
        ScrollIndicator.vertical: ScrollIndicator {}
    }

    Label {
        anchors.centerIn: parent
        visible: list.count === 0
        color: Theme.textSecondary
        text: qsTr("No case summaries on this device.")
    }
}
