/* The letter form, made quicker where scripts run; without them it is a plain form.
   - "ICE's program office and this state's SIB" ticks (and unticks) both recipients;
   - a filter box narrows the recipients' check boxes as one types;
   - a file can be dropped onto the attachment's zone;
   - the sending date's "to" box shows only when the date is known as a range of days.
   Strings come from the page (data- attributes), in the reader's language. */
(function () {
  "use strict";
  var form = document.querySelector("form.letter-form");
  if (!form) { return; }

  var pair = form.querySelector('input[name="letter-notice_pair"][type="checkbox"]');
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="letter-recipients"]'));
  var pairIds = (pair && pair.getAttribute("data-agencies") || "").split(" ").filter(Boolean);
  if (pair && pairIds.length) {
    pair.addEventListener("change", function () {
      boxes.forEach(function (box) {
        if (pairIds.indexOf(box.value) >= 0) { box.checked = pair.checked; }
      });
    });
  }

  if (boxes.length > 8) {
    var group = boxes[0].closest("fieldset") || boxes[0].closest("div");
    var filter = document.createElement("input");
    filter.type = "search";
    filter.className = "recipient-filter";
    filter.setAttribute("aria-label", form.getAttribute("data-filter-label") || "Filter");
    filter.placeholder = form.getAttribute("data-filter-label") || "";
    filter.addEventListener("input", function () {
      var words = filter.value.toLowerCase().trim();
      boxes.forEach(function (box) {
        var row = box.closest("div") || box.parentNode;
        var text = (row.textContent || "").toLowerCase();
        // Ticked recipients stay in sight.
        row.hidden = Boolean(words) && !box.checked && text.indexOf(words) < 0;
      });
    });
    var legend = group.querySelector("legend, label");
    (legend || group.firstChild).insertAdjacentElement("afterend", filter);
  }

  var knownTo = form.querySelector('select[name="letter-sent_known_to"]');
  var until = form.querySelector('input[name="letter-sent_until"]');
  if (knownTo && until) {
    var untilRow = until.closest("div") || until.parentNode;
    var showUntil = function () {
      var range = knownTo.value === "range";
      untilRow.hidden = !range && !until.value;
      until.required = range;
    };
    knownTo.addEventListener("change", showUntil);
    showUntil();
  }

  var file = form.querySelector("input[type=file][data-dropzone]");
  if (file) {
    var zone = document.createElement("div");
    zone.className = "dropzone";
    var text = document.createElement("p");
    text.textContent = file.getAttribute("data-dropzone");
    text.setAttribute("aria-live", "polite");
    file.parentNode.insertBefore(zone, file);
    zone.appendChild(text);
    zone.appendChild(file);
    var show = function () {
      if (file.files && file.files.length) {
        text.textContent = file.getAttribute("data-dropped") + " " + file.files[0].name;
      }
    };
    file.addEventListener("change", show);
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        file.files = event.dataTransfer.files;
        show();
      }
    });
  }
}());
