import QtQuick
import QtQuick.Controls
import Liaison

// A compact drop-down of {value, text} choices showing the one whose value is `selected`;
// `chosen(value)` when the officer picks one. Used by the list filters.
ComboBox {
    id: root

    required property var choices // [{value, text}]
    required property string selected

    signal chosen(string value)

    model: root.choices
    textRole: "text"
    valueRole: "value"
    currentIndex: root.choices.findIndex(c => c.value === root.selected)
    font.pixelSize: Theme.fontSizeSmall
    onActivated: index => root.chosen(root.choices[index].value)
}
