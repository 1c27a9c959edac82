import"./chunk-75Z2AOVW-DlSlUzCU.js";import{n as e}from"./chunk-Y2CYZVJY-DsF7k-Jl.js";import"./src-Cyu5G-Tr.js";import"./chunk-DU6HZSFF-BxQd02hX.js";import"./chunk-P2QGCYS3-G6pmnA0z.js";import"./chunk-PWAF6VOD-Dy1Fp4eJ.js";import"./chunk-GMAD6QVW-B1Ai6qbk.js";import"./chunk-4HAMMTFA-Bhjs7H7G.js";import"./chunk-GVQU2GXP-a_N0QLD4.js";import"./chunk-L3NEJ4N5-BcHj9aiN.js";import"./chunk-OSK3NFVY-Dc7tMbN9.js";import"./chunk-LNGE3PJU-DWpGwHrW.js";import"./chunk-TLUHSLCS-Q72uYeUY.js";import"./chunk-F27PBJKO-DL9FG-iN.js";import"./chunk-XXDRQBXY-BwqwIlJV.js";import"./chunk-POPQ4Y6H-C3iw1mOR.js";import{r as t,t as n}from"./chunk-SHT3W25Y-B3kFJuvo.js";var r=n({defaultLayout:`swimlane`,styles:e(e=>`${t(e)}
  .swimlane.cluster rect {
    stroke: ${e.clusterBorder} !important;
  }
  [data-look="neo"].cluster rect {
    filter: none;
  }
`,`getStyles`)});export{r as diagram};