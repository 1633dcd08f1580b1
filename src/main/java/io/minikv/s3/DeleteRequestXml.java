package io.minikv.s3;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** Parses the body of DeleteObjects; DTDs and external entities are refused. */
final class DeleteRequestXml {
  private static final int MAX_KEYS = 1000;

  record Parsed(boolean quiet, List<String> keys) {}

  private DeleteRequestXml() {}

  static Parsed parse(byte[] body) {
    Document doc = parseDocument(body);
    Element root = doc.getDocumentElement();
    if (!"Delete".equals(root.getTagName())) {
      throw malformed();
    }
    boolean quiet = false;
    List<String> keys = new ArrayList<>();
    NodeList children = root.getChildNodes();
    for (int i = 0; i < children.getLength(); i++) {
      Node n = children.item(i);
      if (!(n instanceof Element e)) {
        continue;
      }
      if (e.getTagName().equals("Quiet")) {
        quiet = "true".equalsIgnoreCase(e.getTextContent().trim());
      } else if (e.getTagName().equals("Object")) {
        NodeList k = e.getElementsByTagName("Key");
        if (k.getLength() != 1) {
          throw malformed();
        }
        keys.add(k.item(0).getTextContent());
      }
    }
    if (keys.isEmpty() || keys.size() > MAX_KEYS) {
      throw malformed();
    }
    return new Parsed(quiet, keys);
  }

  /** Parses an S3 request body; DTDs and external entities are refused as MalformedXML. */
  static Document parseDocument(byte[] body) {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setXIncludeAware(false);
      f.setExpandEntityReferences(false);
      f.setNamespaceAware(false);
      DocumentBuilder b = f.newDocumentBuilder();
      b.setErrorHandler(null);
      return b.parse(new ByteArrayInputStream(body));
    } catch (Exception e) {
      throw malformed();
    }
  }

  static S3Exception malformed() {
    return new S3Exception(
        400,
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema");
  }
}
