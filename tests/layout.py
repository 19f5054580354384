"""What the browser layout tests share: the page-level checks of a report at a given width.

``PAGE_JS`` expects ``W`` (the width) and ``out`` (with ``wide`` and ``tables`` lists) defined before
it; it defines ``box``, ``inside`` and ``meets`` for the chart checks that follow it, and records
every element reaching past ``W`` (``out.wide``) and every table wider than its section
(``out.tables``)."""

PAGE_JS = """function box(e){ return e.getBoundingClientRect(); }
function inside(r, o){ return r.left >= o.left - 0.5 && r.right <= o.right + 0.5 && r.top >= o.top - 0.5
                              && r.bottom <= o.bottom + 0.5; }
function meets(a, b){ return a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1
                             && b.top < a.bottom - 1; }
document.querySelectorAll('body *').forEach(function(e){
  var r = box(e);
  if (r.width > 0 && r.right > W + 0.5) out.wide.push(e.tagName + '.' + String(e.className).slice(0, 30));
});
document.querySelectorAll('table').forEach(function(t){
  var sec = t.closest('section'), wrap = t.parentElement;
  if (box(t).right > box(sec).right + 0.5 || wrap.scrollWidth > wrap.clientWidth + 0.5)
    out.tables.push([t.rows[0].textContent.slice(0, 60), Math.round(box(t).width), Math.round(box(sec).width)]);
});
"""
