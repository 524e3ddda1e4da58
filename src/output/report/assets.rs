//! The inline CSS and JavaScript of report.html: the page fetches nothing.
//!
//! The script pans and zooms the map, shows labels once zoomed in, fills
//! the hover box (a grid, or a dot of the "What moves" layer), sorts the
//! tables, zooms to a village (and switches on the layer a link names in
//! `data-show`), and switches the map's layers from the legend's
//! checkboxes (`data-layer` names the `<g>`; "What moves" also pales the
//! grid fills).

/// The page style.
pub(super) const CSS: &str = r#"
*{box-sizing:border-box}
html,body{height:100%}
body{margin:0;display:flex;flex-direction:column;font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","PingFang SC","Microsoft YaHei",sans-serif;color:#1d232a;background:#f4f5f7}
header{padding:8px 16px;background:#20303f;color:#fff;flex:0 0 auto}
header h1{margin:0;font-size:18px;font-weight:600}
header p{margin:2px 0 0;color:#c9d3dc}
header b{color:#fff}
main{flex:1 1 auto;display:flex;min-height:0}
#mapbox{position:relative;flex:1 1 auto;min-width:0;background:#fbfbf8;border-right:1px solid #c8ced6;overflow:hidden}
#map{width:100%;height:100%;display:block;cursor:grab;touch-action:none;user-select:none}
#map.drag{cursor:grabbing}
#side{flex:0 0 560px;overflow:auto;padding:4px 16px 16px;background:#fff}
@media (max-width:1000px){body{display:block;height:auto}main{display:block}#mapbox{height:70vh}#side{width:auto}}
#map path{fill-rule:evenodd;vector-effect:non-scaling-stroke;stroke-linejoin:round}
path.grid{stroke:#2f353b;stroke-width:1.1px}
path.grid[data-t=d]{fill:url(#hatch)}
path.grid:hover{stroke:#000;stroke-width:2.5px}
path.micro{fill:none;stroke:#3d434a;stroke-width:.5px;stroke-opacity:.8;stroke-dasharray:3 2;pointer-events:none}
path.village{fill:none;stroke:#111;stroke-width:2.4px;pointer-events:none}
path.village.sel{stroke:#d0021b;stroke-width:4px}
path.compound{fill:none;stroke:#a0286e;stroke-width:1.5px;stroke-dasharray:6 3;pointer-events:none}
path.barrier{fill:none;stroke-linecap:round;pointer-events:none}
path.barrier.soft{stroke:#8f959b;stroke-width:1px}
path.barrier.hard{stroke:#3a3f44;stroke-width:3px}
path.barrier.hard.water{stroke:#1a4f9c;stroke-width:3.5px}
path.old{fill:none;stroke:#0d3b66;stroke-width:2.2px;stroke-dasharray:8 4;pointer-events:none}
path.mv{fill:none;stroke-linecap:round;stroke-opacity:.9}
path.mv.s1{stroke:#e0607e;stroke-width:5px}
path.mv.s2{stroke:#d03060;stroke-width:7px}
path.mv.s3{stroke:#b0103f;stroke-width:10px}
path.mv.s4{stroke:#7a0025;stroke-width:14px}
path.mv:hover{stroke:#000}
#map.mvon path.grid{fill-opacity:.35}
.lbl{pointer-events:none;text-anchor:middle;dominant-baseline:central;paint-order:stroke;stroke:#fff;stroke-linejoin:round;font-family:system-ui,sans-serif}
.lbl text{display:none}
.lbl text.on{display:inline}
#lbl-v{font-weight:700;fill:#000}
#lbl-g{fill:#15191d;font-weight:600}
#lbl-m{fill:#3b4147}
.ctl{position:absolute;top:10px;left:10px;display:flex;flex-direction:column;gap:4px}
.ctl button{width:30px;height:30px;font-size:18px;line-height:1;border:1px solid #9aa4ae;border-radius:4px;background:#fff;cursor:pointer}
.ctl button:hover{background:#eef2f6}
#info{position:absolute;top:10px;right:10px;background:rgba(255,255,255,.95);border:1px solid #9aa4ae;border-radius:4px;padding:6px 9px;min-width:170px;box-shadow:0 1px 4px rgba(0,0,0,.15)}
#info b{display:block}
.legend{position:absolute;left:10px;bottom:10px;background:rgba(255,255,255,.92);border:1px solid #c0c8d0;border-radius:4px;padding:5px 8px;font-size:12px}
.legend i{display:inline-block;width:22px;height:12px;margin-right:6px;vertical-align:-2px}
.sw.g{background:linear-gradient(90deg,#e8a39c,#9fd3a8,#a7b8ea);border:1px solid #2f353b}
.sw.d{background:repeating-linear-gradient(45deg,#8a6bb8 0 3px,#ece6f5 3px 8px);border:1px solid #2f353b}
.ln.m{border-top:1px dashed #3d434a;height:0}
.ln.v{border-top:3px solid #111;height:0}
.ln.bw{border-top:4px solid #1a4f9c;height:0}
.ln.bh{border-top:3px solid #3a3f44;height:0}
.ln.bs{border-top:1px solid #8f959b;height:0}
.ln.c{border-top:2px dashed #a0286e;height:0}
.ln.o{border-top:2px dashed #0d3b66;height:0}
.legend i.dot{width:10px;height:10px;border-radius:50%;background:#b0103f;margin:0 12px 0 6px;vertical-align:-1px}
.legend label{cursor:pointer}
.legend input{margin:0 5px 0 0;vertical-align:-2px}
.legend .sub{padding-left:19px}
.scale{position:absolute;right:10px;bottom:10px;background:rgba(255,255,255,.85);padding:2px 6px;border-radius:3px;font-size:11px;text-align:center}
#sbar{height:5px;border:1px solid #222;border-top:none;margin:0 auto 1px}
.empty{position:absolute;top:45%;width:100%;text-align:center;color:#777}
h2{font-size:14px;margin:16px 0 6px;color:#20303f;border-bottom:1px solid #dde2e7;padding-bottom:3px}
table{border-collapse:collapse;width:100%}
th,td{padding:3px 6px;text-align:left;vertical-align:top}
table.kv th{font-weight:500;color:#46505a;width:48%}
table.kv tr:nth-child(odd){background:#f6f8fa}
table.grid-t{font-size:12px}
table.grid-t thead th{position:sticky;top:0;background:#e9edf1;border-bottom:1px solid #c8ced6;cursor:pointer;white-space:nowrap}
table.grid-t tbody tr:nth-child(even){background:#f7f9fb}
table.grid-t td{border-bottom:1px solid #eef1f4}
.n{text-align:right;font-variant-numeric:tabular-nums}
tr.bad td,tr.bad th{color:#b00020;font-weight:600}
tr.warn td{color:#9a5b00;font-weight:600}
th[data-dir=asc]::after{content:" ▲"}
th[data-dir=desc]::after{content:" ▼"}
a{color:#0b5cad;text-decoration:none}
a:hover{text-decoration:underline}
.note{color:#5a6570;font-size:12px;margin:4px 0}
.ok{color:#2e7d32}
details{margin:6px 0}
details>summary{cursor:pointer;color:#0b5cad;font-weight:500}
.foot{color:#7a848e;font-size:11px;margin-top:18px}
svg.hist{width:100%;max-width:520px;height:auto;display:block;font-size:10px}
.hist .bar{fill:#e3944f}
.hist .bar.in{fill:#4f86c6}
.hist .bar:hover{fill:#1d3f66}
.hist .bandbg{fill:#eaf3e6}
.hist .gl{stroke:#e3e7eb}
.hist .tk,.hist .ax{stroke:#59636d}
.hist .band{stroke:#c62828;stroke-width:1.5;stroke-dasharray:4 3}
.hist .bt{fill:#c62828;text-anchor:middle;font-weight:600}
.hist .xt{text-anchor:middle;fill:#3b4450}
.hist .yt{text-anchor:end;fill:#3b4450}
.hist .al{text-anchor:middle;fill:#59636d}
"#;

/// Pan, zoom, labels, hover box, sortable tables and "zoom to village".
pub(super) const JS: &str = r#"
(function(){
"use strict";
var svg=document.getElementById('map'),vp=document.getElementById('vp');
if(!svg||!vp)return;
var vb=svg.viewBox.baseVal,hatch=document.getElementById('hatch'),info=document.getElementById('info');
var sbar=document.getElementById('sbar'),stext=document.getElementById('stext');
var gmed=+svg.getAttribute('data-gmed')||0;
var L=[['lbl-v',13,95],['lbl-g',11,110],['lbl-m',9,36]].map(function(a){
  var g=document.getElementById(a[0]);
  return g?{g:g,fs:a[1],th:a[2],t:Array.prototype.slice.call(g.getElementsByTagName('text')).map(function(t){return [t,+t.getAttribute('data-s')||0]})}:null;
}).filter(Boolean);
var k=1,x=0,y=0,lastP=-1,raf=0;
function unit(){var m=svg.getScreenCTM();return m&&m.a>0?m.a:1}
function draw(){
  raf=0;
  vp.setAttribute('transform','translate('+x+' '+y+') scale('+k+')');
  var p=unit()*k;
  if(p===lastP)return;
  lastP=p;
  if(hatch)hatch.setAttribute('patternTransform','rotate(45) scale('+(1/p)+')');
  var gridsOn=gmed*p>=110;
  L.forEach(function(l){
    l.g.setAttribute('font-size',l.fs/p);
    l.g.setAttribute('stroke-width',3/p);
    var off=l.g.id==='lbl-v'&&gridsOn;
    l.t.forEach(function(e){var on=!off&&e[1]*p>=l.th;if(on!==e[0].classList.contains('on'))e[0].classList.toggle('on',on)});
  });
  if(sbar){
    var target=100/p,pw=Math.pow(10,Math.floor(Math.log10(target))),d=pw;
    [1,2,5,10].forEach(function(m){if(m*pw<=target)d=m*pw});
    sbar.style.width=(d*p)+'px';
    stext.textContent=d>=1000?(d/1000)+' km':d+' m';
  }
}
function req(){if(!raf)raf=requestAnimationFrame(draw)}
function centre(){return{x:vb.x+vb.width/2,y:vb.y+vb.height/2}}
function pt(e){var m=svg.getScreenCTM();if(!m)return centre();var q=new DOMPoint(e.clientX,e.clientY).matrixTransform(m.inverse());return{x:q.x,y:q.y}}
function zoomAt(p,f){var nk=Math.min(Math.max(k*f,0.5),20000);f=nk/k;x=p.x-f*(p.x-x);y=p.y-f*(p.y-y);k=nk;req()}
svg.addEventListener('wheel',function(e){
  e.preventDefault();
  var d=e.deltaY*(e.deltaMode===1?33:e.deltaMode===2?400:1);
  d=Math.max(-300,Math.min(300,d));
  zoomAt(pt(e),Math.exp(-d*0.002));
},{passive:false});
var drag=null,cur=null;
svg.addEventListener('pointerdown',function(e){
  if(e.button!==0)return;
  drag={x:e.clientX,y:e.clientY};
  try{svg.setPointerCapture(e.pointerId)}catch(err){}
  svg.classList.add('drag');
});
function hover(e){
  var t=e.target,c=t&&t.classList,g=(c&&(c.contains('grid')||c.contains('mv')))?t:null;
  if(g===cur||!info)return;
  cur=g;
  if(!g){info.hidden=true;return}
  info.textContent='';
  var b=document.createElement('b'),lines;
  if(g.classList.contains('mv')){
    b.textContent=g.getAttribute('data-h')+' households move here';
    lines=(g.getAttribute('data-m')||'').split('\n');
  }else{
    b.textContent=g.getAttribute('data-code');
    lines=[(g.getAttribute('data-t')==='d'?'dedicated grid, ':'')+'village '+g.getAttribute('data-v'),
      'households '+g.getAttribute('data-h'),
      'load '+g.getAttribute('data-l')+(g.hasAttribute('data-d')?' ('+g.getAttribute('data-d')+' vs village mean)':'')];
  }
  info.appendChild(b);
  lines.forEach(function(s){var d=document.createElement('div');d.textContent=s;info.appendChild(d)});
  info.hidden=false;
}
svg.addEventListener('pointermove',function(e){
  if(drag){var u=unit();x+=(e.clientX-drag.x)/u;y+=(e.clientY-drag.y)/u;drag.x=e.clientX;drag.y=e.clientY;req();return}
  hover(e);
});
function end(){drag=null;svg.classList.remove('drag')}
svg.addEventListener('pointerup',end);
svg.addEventListener('pointercancel',end);
svg.addEventListener('pointerleave',function(){if(!drag&&info){cur=null;info.hidden=true}});
function bind(id,f){var b=document.getElementById(id);if(b)b.addEventListener('click',f)}
bind('zin',function(){zoomAt(centre(),1.6)});
bind('zout',function(){zoomAt(centre(),1/1.6)});
bind('zfit',function(){k=1;x=0;y=0;req()});
document.addEventListener('keydown',function(e){
  if(e.target&&(e.target.tagName==='INPUT'||e.target.tagName==='TEXTAREA'))return;
  if(e.key==='+'||e.key==='=')zoomAt(centre(),1.6);
  else if(e.key==='-'||e.key==='_')zoomAt(centre(),1/1.6);
});
window.addEventListener('resize',function(){lastP=-1;req()});
function layer(id,on){
  var g=document.getElementById(id);
  if(g)g.setAttribute('display',on?'inline':'none');
  if(id==='moves')svg.classList.toggle('mvon',on);
  Array.prototype.forEach.call(document.querySelectorAll('input[data-layer]'),function(c){if(c.getAttribute('data-layer')===id)c.checked=on});
}
Array.prototype.forEach.call(document.querySelectorAll('input[data-layer]'),function(c){
  c.addEventListener('change',function(){layer(c.getAttribute('data-layer'),c.checked)});
  if(c.checked!==c.defaultChecked)layer(c.getAttribute('data-layer'),c.checked);
});
var villages={},sel=null;
Array.prototype.forEach.call(document.querySelectorAll('path.village'),function(p){var c=p.getAttribute('data-code');if(!(c in villages))villages[c]=p});
Array.prototype.forEach.call(document.querySelectorAll('[data-goto]'),function(a){
  a.addEventListener('click',function(e){
    e.preventDefault();
    if(a.hasAttribute('data-show'))layer(a.getAttribute('data-show'),true);
    var p=villages[a.getAttribute('data-goto')];
    if(!p)return;
    var b=p.getBBox();
    if(!(b.width>0&&b.height>0))return;
    var f=Math.min(vb.width/b.width,vb.height/b.height)*0.85;
    k=f;x=vb.x+vb.width/2-f*(b.x+b.width/2);y=vb.y+vb.height/2-f*(b.y+b.height/2);
    if(sel)sel.classList.remove('sel');
    sel=p;p.classList.add('sel');
    req();
  });
});
Array.prototype.forEach.call(document.querySelectorAll('table.sortable'),function(tb){
  var ths=tb.tHead?tb.tHead.rows[0].cells:[];
  Array.prototype.forEach.call(ths,function(th,i){
    th.addEventListener('click',function(){
      var body=tb.tBodies[0],asc=th.getAttribute('data-dir')!=='asc',num=th.classList.contains('n');
      Array.prototype.forEach.call(ths,function(h){h.removeAttribute('data-dir')});
      th.setAttribute('data-dir',asc?'asc':'desc');
      var rows=Array.prototype.slice.call(body.rows).map(function(r,j){
        var c=r.cells[i],v=c?c.getAttribute('data-v'):null;
        return{r:r,j:j,k:num?(v===null||v===''?-Infinity:+v):(c?c.textContent:'')};
      });
      rows.sort(function(a,b){
        var d=num?(a.k===b.k?0:(a.k<b.k?-1:1)):String(a.k).localeCompare(String(b.k));
        return (asc?d:-d)||a.j-b.j;
      });
      rows.forEach(function(o){body.appendChild(o.r)});
    });
  });
});
draw();
})();
"#;
